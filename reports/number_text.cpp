#include "reports/number_text.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace relaylab::reports {

namespace {

// Between these, plain decimals are short and exact; outside, 1e-300 in fixed notation would
// print 300 zeros, so the shortest general form ("1e+20") is used instead.
constexpr double smallest_plain = 1e-6;
constexpr double largest_plain = 1e15;

}  // namespace

std::string format_number(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    if (value == 0) return "0";  // also -0: "-0" would puzzle a reader of "lost: -0"
    double magnitude = std::fabs(value);
    auto format = magnitude >= smallest_plain && magnitude < largest_plain
                      ? std::chars_format::fixed
                      : std::chars_format::general;
    // Shortest round trip: fixed needs at most 16 digits before the point here plus 22 after.
    std::array<char, 64> buffer{};
    auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, format);
    if (error != std::errc()) return std::to_string(value);
    return std::string(buffer.data(), end);
}

}  // namespace relaylab::reports
