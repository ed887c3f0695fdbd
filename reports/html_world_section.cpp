// report.html's "World" section: the simulated receivers and DNS the run used, and the traffic
// it was configured with, so a reader can tell what the numbers above were measured against.
#include <array>
#include <string>

#include "reports/html_sections.hpp"
#include "reports/human_format.hpp"
#include "reports/json_view.hpp"

namespace relaylab::reports::html {
namespace {

using json_view::text_at;

std::string domain_list(const nlohmann::json& mx) {
    std::string out;
    const nlohmann::json* domains = json_view::array_at(mx, {"domains"});
    if (domains == nullptr) return text_at(mx, {"domains"});
    std::size_t shown = 0;
    for (const nlohmann::json& domain : *domains) {
        if (++shown > max_table_rows) break;
        const std::string name = json_view::text(&domain);
        if (name.empty()) continue;
        out += (out.empty() ? "" : ", ") + name;
    }
    return out;
}

// The traffic settings as people say them; absent and null ones are left out.
void traffic_rows(std::string& out, const nlohmann::json& report) {
    const nlohmann::json* traffic = json_view::object_at(report, {"traffic"});
    if (traffic == nullptr) return;
    const auto row = [&](std::string_view name, const std::string& value) {
        if (value.empty()) return;
        out += "<tr><th scope=\"row\">";
        out += name;
        out += "</th><td>" + esc(value) + "</td></tr>";
    };
    const auto number = [&](std::string_view key, std::string (*format)(double)) {
        const auto value = json_view::number_at(*traffic, {key});
        return value ? format(*value) : std::string();
    };
    std::string arrivals = text_at(*traffic, {"arrivals"});
    if (arrivals == "closed_loop") arrivals = "closed loop";
    row("Arrivals", arrivals);
    row("Concurrency", number("concurrency", format_count));
    const std::string rate = number("rate", format_decimal);
    row("Rate", rate.empty() ? rate : rate + " messages/s");
    row("Messages", number("count", format_count));
    row("Duration", number("duration_s", format_seconds));
    row("Ramp-up", number("ramp_up_s", format_seconds));
}

// The builtin relay's own counts (report.relay.stats): deferrals the receivers never saw (a
// TLS policy, DNS) and attempts that got no reply show only here.
void relay_rows(std::string& out, const nlohmann::json& report) {
    const nlohmann::json* stats = json_view::object_at(report, {"relay", "stats"});
    if (stats == nullptr) return;
    const auto row = [&](std::string_view name, std::initializer_list<std::string_view> path) {
        const auto value = json_view::number_at(*stats, path);
        if (!value) return;
        out += "<tr><th scope=\"row\">";
        out += name;
        out += "</th><td>" + esc(format_count(*value)) + "</td></tr>";
    };
    row("Recipients delivered", {"deliveries", "delivered"});
    row("Recipient deferrals", {"deliveries", "deferred"});
    row("Recipients bounced", {"deliveries", "bounced"});
    row("Recipients expired", {"deliveries", "expired"});
    row("Attempts answered 2xx", {"attempts", "2xx"});
    row("Attempts answered 4xx", {"attempts", "4xx"});
    row("Attempts answered 5xx", {"attempts", "5xx"});
    row("Attempts with no reply", {"attempts", "none"});
    row("Delivery connections", {"connections"});
    row("Connection failures", {"connection_failures"});
    row("DSNs made", {"dsn_created"});
    row("Still queued", {"queue_depth"});
}

}  // namespace

std::string world_section(const nlohmann::json& report) {
    std::string out;
    open_section(out, "world", "World and traffic", "");
    out += "<div class=\"grid-world\"><div><h3>Receiving MX hosts</h3>";
    const nlohmann::json* mx = json_view::array_at(report, {"world", "mx"});
    if (mx == nullptr || mx->empty()) {
        out += empty_note("No fake MX hosts in this report.");
    } else {
        out +=
            "<div class=\"table-wrap\"><table><thead><tr><th>Host</th><th>Address</th>"
            "<th>Behaviour</th><th>Domains</th><th class=\"num\">Accepted</th></tr></thead>"
            "<tbody>";
        std::size_t shown = 0;
        for (const nlohmann::json& host : *mx) {
            if (++shown > max_table_rows) break;
            const auto accepted = json_view::number_at(host, {"accepted"});
            out += "<tr><td>" + esc(text_at(host, {"name"})) + "</td><td><code>" +
                   esc(text_at(host, {"address"})) + "</code></td><td>" +
                   esc(text_at(host, {"behaviour"})) + "</td><td>" + esc(domain_list(host)) +
                   "</td>" + num_cell(accepted ? format_count(*accepted) : "\u2014") + "</tr>";
        }
        out += "</tbody></table></div>";
    }
    const std::string dns = text_at(report, {"world", "dns"});
    if (!dns.empty()) out += "<p class=\"dns\">Fixture DNS at <code>" + esc(dns) + "</code></p>";
    out += "</div><div><h3>Traffic</h3>";
    std::string rows;
    traffic_rows(rows, report);
    if (rows.empty()) {
        out += empty_note("No traffic settings in this report.");
    } else {
        out += "<table class=\"settings\"><tbody>" + rows + "</tbody></table>";
    }
    std::string relay;
    relay_rows(relay, report);
    if (!relay.empty())
        out += "<h3>The builtin relay's own account</h3><table class=\"settings\"><tbody>" + relay +
               "</tbody></table>";
    out += "</div></div></section>";
    return out;
}

}  // namespace relaylab::reports::html
