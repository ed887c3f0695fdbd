// parse_duration_ms: relay.json's durations plus milliseconds; format_duration_ms the inverse.
#include <catch2/catch.hpp>

#include "harness/scenario/durations.hpp"

using relaylab::scenario::format_duration_ms;
using relaylab::scenario::parse_duration_ms;
using namespace std::chrono_literals;

TEST_CASE("durations with every unit") {
    CHECK(parse_duration_ms("500ms") == 500ms);
    CHECK(parse_duration_ms("0ms") == 0ms);
    CHECK(parse_duration_ms("30s") == 30s);
    CHECK(parse_duration_ms("30") == 30s);
    CHECK(parse_duration_ms("5m") == 5min);
    CHECK(parse_duration_ms("2h") == 2h);
    CHECK(parse_duration_ms("1d") == 24h);
}

TEST_CASE("bad durations say what would be right") {
    for (const char* text : {"", "ms", "1.5s", "-1s", "5 s", "5x", "s", "1e3ms", "10mss"}) {
        std::string error;
        INFO(text);
        CHECK_FALSE(parse_duration_ms(text, &error));
        CHECK_THAT(error, Catch::Contains("500ms"));
    }
    std::string error;
    CHECK_FALSE(parse_duration_ms("99999999999999ms", &error));
    CHECK_THAT(error, Catch::Contains("longer than the limit"));
    CHECK_FALSE(parse_duration_ms("9999d", &error));
    CHECK_THAT(error, Catch::Contains("longer than the limit"));
    CHECK_FALSE(parse_duration_ms("5x"));  // no error pointer: no crash
}

TEST_CASE("durations print in their shortest exact form") {
    CHECK(format_duration_ms(500ms) == "500ms");
    CHECK(format_duration_ms(1500ms) == "1500ms");
    CHECK(format_duration_ms(60s) == "1m");
    CHECK(format_duration_ms(24h) == "1d");
    CHECK(format_duration_ms(0ms) == "0s");
}
