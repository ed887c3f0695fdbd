// Timestamps as every relaylab output writes them (logs, event logs, APIs, reports): RFC 3339
// in UTC with milliseconds, sortable and parsed by log shippers without a pattern.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace relaylab::log {

// "2024-05-06T07:08:09.123Z"
std::string format_rfc3339_ms(std::chrono::system_clock::time_point time);
// RFC 5322 3.3 date-time in UTC: "Wed, 02 Dec 2026 06:40:12 +0000" (Date:, Received:, DSNs).
std::string format_rfc5322_date(std::chrono::system_clock::time_point time);
// The same for now, formatted once per second per thread (strftime per message showed in the
// send benchmark).
const std::string& rfc5322_date_now();
std::int64_t unix_millis(std::chrono::system_clock::time_point time);
std::int64_t now_unix_millis();

}  // namespace relaylab::log
