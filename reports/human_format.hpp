// Numbers as people read them in a report: thousands separators, a few significant decimals,
// durations in the unit that fits. A value that is not finite prints as an em dash: a report
// never shows "nan" or "inf". Sans-I/O, no dependencies.
#pragma once

#include <string>
#include <string_view>

namespace relaylab::reports {

// Rounded to a whole number: "1,234,567". Beyond 10^15, scientific: "1.23e+30".
std::string format_count(double value);
// "1234567" -> "1,234,567": the grouping format_count uses, for a whole number already in
// decimal digits (an optional leading '-'), such as a 64-bit counter a double cannot hold
// exactly.
std::string group_digits(std::string_view digits);
// 1 decimal from 100 up ("2,250.7"), 2 from 1 ("14.13"), 3 significant digits below 1
// ("0.302"); trailing zeros dropped ("412.3", "5"). Beyond 10^15 and below 10^-6, scientific.
std::string format_decimal(double value);
// A latency in milliseconds: "0.302 ms", "14.1 ms", "2.25 s", "4 min 10 s".
std::string format_ms(double milliseconds);
// A duration in seconds: "14.82 s", "2 min 03 s", "1 h 05 min".
std::string format_seconds(double seconds);
// A ratio as a percentage: "99.9%". Never "100%" unless it is 1, never "0%" unless it is 0.
std::string format_percent(double ratio);
// A short tick label: "750", "1.5k", "20M", "3G".
std::string format_axis(double value);

}  // namespace relaylab::reports
