// The live dashboard's page and events as text (dashboard.cpp serves them): the page inlines
// the report stylesheet and the latest rendered sections, so it reads right before its script
// runs, and a few lines of script swap in each server-sent event. Sans-I/O, no network: the
// page loads nothing from anywhere (it is opened on a machine that may have no internet).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace relaylab::runner {

// The element the events replace, and the event that says the run is over.
inline constexpr std::string_view dashboard_main_id = "report";
inline constexpr std::string_view dashboard_end_event = "end";
// Before the first snapshot: what the page and the first event show.
inline constexpr std::string_view dashboard_waiting_html =
    "<p class=\"live-waiting\">waiting for the run's first snapshot</p>";

// The whole page: <style> with `stylesheet`, <main id="report"> holding `sections`, a status
// line, and the script: EventSource("/events"), each message replaces main's content, the
// "end" event does too, shows "run finished" and closes the source.
std::string dashboard_page(std::string_view stylesheet, std::string_view sections);

// A snapshot as an event (the browser's "message"), and the final one ("end").
std::string snapshot_event(std::uint64_t id, std::string_view sections);
std::string end_event(std::uint64_t id, std::string_view sections);

}  // namespace relaylab::runner
