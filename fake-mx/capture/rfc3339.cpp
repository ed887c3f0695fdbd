#include "fake-mx/capture/rfc3339.hpp"

#include "harness/log/timestamp.hpp"

#include <cstdint>
#include <cstdio>

namespace relaylab::fakemx::capture {
namespace {

using namespace std::chrono;

bool digits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
    if (pos + count > text.size()) return false;
    value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        char c = text[i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    return true;
}

// Digits after a decimal point as microseconds (extra digits beyond 6 are ignored).
std::optional<microseconds> fraction(std::string_view text, std::size_t& pos) {
    std::size_t start = pos;
    std::int64_t micros = 0;
    int scale = 100000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        micros += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
    }
    if (pos == start) return std::nullopt;
    return microseconds(micros);
}

std::optional<SystemTime> parse_unix_seconds(std::string_view text) {
    // Up to 12 digits keeps the value far from overflow (year ~33658).
    std::size_t pos = 0;
    std::int64_t seconds = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (pos >= 12) return std::nullopt;
        seconds = seconds * 10 + (text[pos] - '0');
        ++pos;
    }
    if (pos == 0) return std::nullopt;
    microseconds extra{0};
    if (pos < text.size()) {
        if (text[pos] != '.') return std::nullopt;
        ++pos;
        auto f = fraction(text, pos);
        if (!f || pos != text.size()) return std::nullopt;
        extra = *f;
    }
    return SystemTime(duration_cast<system_clock::duration>(std::chrono::seconds(seconds) + extra));
}

}  // namespace

std::string format_rfc3339_ms(SystemTime time) {
    return log::format_rfc3339_ms(time);
}

std::optional<SystemTime> parse_time(std::string_view text) {
    if (text.find('-') == std::string_view::npos) return parse_unix_seconds(text);

    // date-time = full-date "T" full-time (RFC 3339 5.6)
    int y, mo, d, h, mi, s;
    if (text.size() < 20 || !digits(text, 0, 4, y) || text[4] != '-' || !digits(text, 5, 2, mo) ||
        text[7] != '-' || !digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't') ||
        !digits(text, 11, 2, h) || text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' ||
        !digits(text, 17, 2, s))
        return std::nullopt;
    // Leap second 60 is accepted and counted as the next second's start.
    if (h > 23 || mi > 59 || s > 60) return std::nullopt;
    year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;

    std::size_t pos = 19;
    microseconds sub{0};
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        auto f = fraction(text, pos);
        if (!f) return std::nullopt;
        sub = *f;
    }
    minutes offset{0};
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh, om;
        if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !digits(text, pos + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset = hours(oh) + minutes(om);
        if (text[pos] == '-') offset = -offset;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    auto local = sys_days(ymd) + hours(h) + minutes(mi) + seconds(s) + sub;
    return time_point_cast<system_clock::duration>(local - offset);
}

}  // namespace relaylab::fakemx::capture
