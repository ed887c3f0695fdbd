#include "fake-mx/dns-fixture/core/query_log.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

namespace relaylab::dns::fixture {

namespace {

// RFC 3339 UTC with milliseconds: sortable, and what every log reader parses.
std::string rfc3339(std::chrono::system_clock::time_point time) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
    std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[40];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
    return buffer;
}

}  // namespace

std::string to_json_line(const QueryLogEntry& entry) {
    // ordered_json keeps "time" first, as people read logs.
    nlohmann::ordered_json line = {
        {"time", rfc3339(entry.time)},
        {"client", entry.client},
        {"transport", entry.transport},
        {"id", entry.id},
        {"name", entry.name},
        {"type", entry.type},
        {"rcode", entry.rcode},
        {"answers", entry.answers},
        {"truncated", entry.truncated},
        {"fault", entry.fault.empty() ? nlohmann::ordered_json(nullptr)
                                      : nlohmann::ordered_json(entry.fault)},
    };
    if (!entry.fault.empty()) line["fault_rule"] = entry.fault_rule;
    if (entry.delay_ms > 0) line["delay_ms"] = entry.delay_ms;
    // Names come from the network: replace invalid UTF-8 rather than throw.
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace relaylab::dns::fixture
