// format_number: the shortest exact decimal, without trailing zeros or exponents for the
// values reports hold.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "reports/number_text.hpp"

using relaylab::reports::format_number;

TEST_CASE("numbers print without trailing zeros") {
    CHECK(format_number(0.9712) == "0.9712");
    CHECK(format_number(3) == "3");
    CHECK(format_number(2250.7) == "2250.7");
    CHECK(format_number(0) == "0");
    CHECK(format_number(-0.0) == "0");
    CHECK(format_number(-12.5) == "-12.5");
    CHECK(format_number(1'000'000) == "1000000");
    CHECK(format_number(100'000'000) == "100000000");
    CHECK(format_number(1998.0 / 2000.0) == "0.999");
    CHECK(format_number(0.000001) == "0.000001");
}

TEST_CASE("numbers outside the plain range and non-numbers still print") {
    CHECK(format_number(1e20) == "1e+20");
    CHECK(format_number(1e-9) == "1e-09");
    CHECK(format_number(std::numeric_limits<double>::quiet_NaN()) == "nan");
    CHECK(format_number(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(format_number(-std::numeric_limits<double>::infinity()) == "-inf");
}

TEST_CASE("a printed number reads back as the same double") {
    for (double value : {1.0 / 3.0, 2.0 / 3.0, 0.1 + 0.2, 123456.789, 1e-5 / 7}) {
        CHECK(std::stod(format_number(value)) == value);
    }
}
