#include "harness/runner/dashboard_page.hpp"

#include "harness/http/server_sent_events.hpp"

namespace relaylab::runner {
namespace {

// On "end" the source is closed: otherwise EventSource reconnects to a server that is gone
// (or to the next run on the same port) and shows its state instead of the finished run's.
constexpr std::string_view page_script = R"(
(function () {
  var main = document.getElementById("report");
  var status = document.getElementById("live-status");
  var source = new EventSource("/events");
  source.onopen = function () { status.textContent = "live"; };
  source.onmessage = function (event) { main.innerHTML = event.data; };
  source.addEventListener("end", function (event) {
    main.innerHTML = event.data;
    status.textContent = "run finished";
    source.close();
  });
  source.onerror = function () {
    if (source.readyState !== EventSource.CLOSED) status.textContent = "reconnecting";
  };
})();
)";

}  // namespace

std::string dashboard_page(std::string_view stylesheet, std::string_view sections) {
    std::string page;
    page.reserve(stylesheet.size() + sections.size() + page_script.size() + 512);
    page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    page += "<title>relaylab: live run</title>\n<style>\n";
    page += stylesheet;
    page += "\n</style>\n</head>\n<body>\n";
    page += "<p id=\"live-status\" class=\"live-status\">connecting</p>\n";
    page += "<main id=\"";
    page += dashboard_main_id;
    page += "\">\n";
    page += sections;
    page += "\n</main>\n<script>";
    page += page_script;
    page += "</script>\n</body>\n</html>\n";
    return page;
}

std::string snapshot_event(std::uint64_t id, std::string_view sections) {
    return http::sse_event("", std::to_string(id), sections);
}

std::string end_event(std::uint64_t id, std::string_view sections) {
    return http::sse_event(dashboard_end_event, std::to_string(id), sections);
}

}  // namespace relaylab::runner
