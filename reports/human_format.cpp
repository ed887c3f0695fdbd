#include "reports/human_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace relaylab::reports {
namespace {

constexpr std::string_view not_a_number = "\u2014";  // em dash
// Beyond these, digits stop being readable and %f would print hundreds of them.
constexpr double largest_grouped = 1e15;
constexpr double smallest_decimal = 1e-6;

std::string printf_string(const char* format, int precision, double value) {
    char buffer[64];
    const int length = std::snprintf(buffer, sizeof buffer, format, precision, value);
    if (length < 0) return std::string(not_a_number);
    return std::string(buffer,
                       std::min<std::size_t>(static_cast<std::size_t>(length), sizeof buffer - 1));
}

// "1234567.50" -> "1,234,567.5": commas in the integer part, trailing fractional zeros dropped.
std::string group_and_trim(std::string digits) {
    const std::size_t dot = digits.find('.');
    if (dot != std::string::npos) {
        while (digits.back() == '0')
            digits.pop_back();
        if (digits.back() == '.') digits.pop_back();
    }
    const std::size_t integer_end =
        digits.find('.') == std::string::npos ? digits.size() : digits.find('.');
    std::string out = group_digits(std::string_view(digits).substr(0, integer_end));
    out += digits.substr(integer_end);
    if (out == "-0") out = "0";
    return out;
}

std::string scientific(double value) {
    return printf_string("%.*e", 2, value);
}

}  // namespace

std::string group_digits(std::string_view digits) {
    const std::size_t begin = !digits.empty() && digits[0] == '-' ? 1 : 0;
    std::string out(digits.substr(0, begin));
    out.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = begin; i < digits.size(); ++i) {
        if (i > begin && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string format_count(double value) {
    if (!std::isfinite(value)) return std::string(not_a_number);
    if (std::fabs(value) >= largest_grouped) return scientific(value);
    return group_and_trim(printf_string("%.*f", 0, std::round(value)));
}

std::string format_decimal(double value) {
    if (!std::isfinite(value)) return std::string(not_a_number);
    const double magnitude = std::fabs(value);
    if (magnitude >= largest_grouped) return scientific(value);
    if (magnitude == 0) return "0";
    if (magnitude < smallest_decimal) return scientific(value);
    int decimals = 0;
    if (magnitude >= 100) {
        decimals = 1;
    } else if (magnitude >= 1) {
        decimals = 2;
    } else {
        decimals = 2 - static_cast<int>(std::floor(std::log10(magnitude)));
    }
    return group_and_trim(printf_string("%.*f", decimals, value));
}

std::string format_seconds(double seconds) {
    if (!std::isfinite(seconds)) return std::string(not_a_number);
    const double magnitude = std::fabs(seconds);
    if (magnitude < 60) return format_decimal(seconds) + " s";
    const std::string sign = seconds < 0 ? "-" : "";
    constexpr double seconds_per_hour = 3600;
    // Past about a century of hours the whole-number split below stops being exact.
    if (magnitude >= 1e12) return sign + format_decimal(magnitude / seconds_per_hour) + " h";
    const auto whole = static_cast<long long>(std::llround(magnitude));
    char buffer[64];
    if (magnitude < seconds_per_hour) {
        std::snprintf(buffer, sizeof buffer, "%lld min %02lld s", whole / 60, whole % 60);
    } else {
        std::snprintf(buffer, sizeof buffer, "%s h %02lld min",
                      format_count(static_cast<double>(whole / 3600)).c_str(), (whole % 3600) / 60);
    }
    return sign + buffer;
}

std::string format_ms(double milliseconds) {
    if (!std::isfinite(milliseconds)) return std::string(not_a_number);
    if (std::fabs(milliseconds) < 1000) return format_decimal(milliseconds) + " ms";
    return format_seconds(milliseconds / 1000);
}

std::string format_percent(double ratio) {
    if (!std::isfinite(ratio)) return std::string(not_a_number);
    const double percent = ratio * 100;
    std::string text = group_and_trim(printf_string("%.*f", 1, percent));
    if (std::fabs(percent) >= largest_grouped) text = scientific(percent);
    if (text == "100" && ratio < 1) return ">99.9%";
    if (text == "0" && ratio > 0) return "<0.1%";
    return text + "%";
}

std::string format_axis(double value) {
    if (!std::isfinite(value)) return std::string(not_a_number);
    struct Unit {
        double size;
        const char* suffix;
    };
    static constexpr Unit units[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    const double magnitude = std::fabs(value);
    if (magnitude >= 1e15) return scientific(value);
    for (const Unit& unit : units) {
        if (magnitude >= unit.size) {
            return group_and_trim(printf_string("%.*f", 2, value / unit.size)) + unit.suffix;
        }
    }
    return format_decimal(value);
}

}  // namespace relaylab::reports
