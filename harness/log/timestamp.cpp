#include "harness/log/timestamp.hpp"

#include <cstdio>
#include <ctime>

namespace relaylab::log {

std::int64_t unix_millis(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::int64_t now_unix_millis() { return unix_millis(std::chrono::system_clock::now()); }

std::string format_rfc5322_date(std::chrono::system_clock::time_point time) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[64];
    std::size_t length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return std::string(text, length);
}

const std::string& rfc5322_date_now() {
    thread_local std::time_t cached_second = -1;
    thread_local std::string cached;
    auto now = std::chrono::system_clock::now();
    std::time_t second = std::chrono::system_clock::to_time_t(now);
    if (second != cached_second) {
        cached = format_rfc5322_date(now);
        cached_second = second;
    }
    return cached;
}

std::string format_rfc3339_ms(std::chrono::system_clock::time_point time) {
    using namespace std::chrono;
    auto ms = time_point_cast<milliseconds>(time);
    auto day = floor<days>(ms);
    year_month_day ymd(day);
    hh_mm_ss<milliseconds> hms(ms - day);
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    return buffer;
}

}  // namespace relaylab::log
