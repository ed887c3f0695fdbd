#include "harness/log/timestamp.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace relaylab::log {

std::int64_t unix_millis(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::int64_t now_unix_millis() {
    return unix_millis(std::chrono::system_clock::now());
}

std::string format_rfc5322_date(std::chrono::system_clock::time_point time) {
    // English names whatever the locale (strftime's %a and %b follow it); RFC 5322 3.3.
    static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[64];
    int n = std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                          days[static_cast<std::size_t>(tm.tm_wday) % 7], tm.tm_mday,
                          months[static_cast<std::size_t>(tm.tm_mon) % 12], tm.tm_year + 1900,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    return std::string(text, n > 0 ? static_cast<std::size_t>(n) : 0);
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
