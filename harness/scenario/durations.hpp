// Durations in scenario files: relay.json's syntax (harness/relay/config/config_values.hpp:
// seconds as digits, or digits with s, m, h or d) plus milliseconds ("500ms"), because a drain,
// a ramp-up or a short test run is often less than a second.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::scenario {

// nullopt with `error` saying what would be right ("expected digits followed by ms, s, m, h or
// d, such as \"500ms\" or \"30s\"") when the text is not a duration. At most a year (relay.json's
// cap); callers narrow it further.
std::optional<std::chrono::milliseconds> parse_duration_ms(std::string_view text,
                                                           std::string* error = nullptr);
// The shortest exact form: 500ms -> "500ms", 60000ms -> "1m", 1500ms -> "1500ms".
std::string format_duration_ms(std::chrono::milliseconds duration);

}  // namespace relaylab::scenario
