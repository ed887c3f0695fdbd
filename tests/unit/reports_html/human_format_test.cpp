#include <catch2/catch.hpp>
#include <limits>
#include <utility>

#include "reports/human_format.hpp"

namespace relaylab::reports {
namespace {

struct Case {
    double in;
    const char* want;
};

void check_table(std::string (*format)(double), const char* name,
                 std::initializer_list<Case> cases) {
    for (const Case& c : cases) {
        const std::string got = format(c.in);
        INFO(name << "(" << c.in << "): got " << got << ", want " << c.want);
        CHECK(got == c.want);
    }
}

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

TEST_CASE("format_count: thousands separators, whole numbers", "[reports_html]") {
    check_table(format_count, "format_count",
                {{0, "0"},
                 {7, "7"},
                 {999, "999"},
                 {1000, "1,000"},
                 {1998, "1,998"},
                 {1234567, "1,234,567"},
                 {-1234567, "-1,234,567"},
                 {2.5, "3"},
                 {-0.2, "0"},
                 {999999999999999, "999,999,999,999,999"},
                 {1e15, "1.00e+15"},
                 {1.7e308, "1.70e+308"},
                 {nan, "\u2014"},
                 {inf, "\u2014"}});
}

TEST_CASE("group_digits: every digit of a number too wide for a double", "[reports_html]") {
    const std::pair<const char*, const char*> cases[] = {
        {"", ""},
        {"0", "0"},
        {"999", "999"},
        {"1000", "1,000"},
        {"-100", "-100"},
        {"-1000", "-1,000"},
        {"18446744073709551615", "18,446,744,073,709,551,615"},
    };
    for (const auto& [in, want] : cases) {
        INFO("group_digits(" << in << "): got " << group_digits(in) << ", want " << want);
        CHECK(group_digits(in) == want);
    }
}

TEST_CASE("format_decimal: 1 to 3 significant decimals", "[reports_html]") {
    check_table(format_decimal, "format_decimal",
                {{0, "0"},
                 {412.3, "412.3"},
                 {2250.7, "2,250.7"},
                 {2250.75, "2,250.8"},
                 {14.1, "14.1"},
                 {3.25, "3.25"},
                 {3.257, "3.26"},
                 {5, "5"},
                 {100, "100"},
                 {0.302, "0.302"},
                 {0.3024, "0.302"},
                 {0.05, "0.05"},
                 {0.001234, "0.00123"},
                 {-12.5, "-12.5"},
                 {1234567.89, "1,234,567.9"},
                 {1e-7, "1.00e-07"},
                 {2e20, "2.00e+20"},
                 {nan, "\u2014"},
                 {-inf, "\u2014"}});
}

TEST_CASE("format_ms and format_seconds: the unit that fits", "[reports_html]") {
    check_table(format_ms, "format_ms",
                {{0.302, "0.302 ms"},
                 {14.1, "14.1 ms"},
                 {999, "999 ms"},
                 {2250.7, "2.25 s"},
                 {59000, "59 s"},
                 {250000, "4 min 10 s"},
                 {nan, "\u2014"}});
    check_table(format_seconds, "format_seconds",
                {{14.82, "14.82 s"},
                 {0, "0 s"},
                 {123, "2 min 03 s"},
                 {3900, "1 h 05 min"},
                 {360000, "100 h 00 min"},
                 {1e13, "2,777,777,777.8 h"},
                 {inf, "\u2014"}});
}

TEST_CASE("format_percent never rounds to a misleading 0% or 100%", "[reports_html]") {
    check_table(format_percent, "format_percent",
                {{1, "100%"},
                 {0, "0%"},
                 {0.999, "99.9%"},
                 {0.99999, ">99.9%"},
                 {0.3, "30%"},
                 {0.0001, "<0.1%"},
                 {0.5, "50%"},
                 {nan, "\u2014"}});
}

TEST_CASE("format_axis: short tick labels", "[reports_html]") {
    check_table(format_axis, "format_axis",
                {{0, "0"},
                 {750, "750"},
                 {1000, "1k"},
                 {1500, "1.5k"},
                 {20e6, "20M"},
                 {3e9, "3G"},
                 {2.5e12, "2.5T"},
                 {1e300, "1.00e+300"},
                 {0.25, "0.25"}});
}

}  // namespace
}  // namespace relaylab::reports
