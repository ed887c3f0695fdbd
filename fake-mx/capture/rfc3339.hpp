// Timestamps as the API shows and accepts them: RFC 3339 in UTC with milliseconds, and the
// `since` filter that takes either RFC 3339 (any offset) or unix seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::fakemx::capture {

using SystemTime = std::chrono::system_clock::time_point;

// "2024-05-06T07:08:09.123Z"
std::string format_rfc3339_ms(SystemTime time);

// "2024-05-06T07:08:09Z", "2024-05-06T09:08:09.5+02:00" (RFC 3339 5.6; 't' and 'z' too) or
// "1714979289" / "1714979289.25" (unix seconds). nullopt for anything else.
std::optional<SystemTime> parse_time(std::string_view text);

}  // namespace relaylab::fakemx::capture
