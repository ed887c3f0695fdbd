#include <catch2/catch.hpp>

#include "fake-mx/capture/rfc3339.hpp"

using namespace relaylab::fakemx::capture;
using namespace std::chrono;

TEST_CASE("timestamps are formatted in UTC with milliseconds") {
    SystemTime t = SystemTime(seconds(1'700'000'000) + milliseconds(7));
    CHECK(format_rfc3339_ms(t) == "2023-11-14T22:13:20.007Z");
    CHECK(format_rfc3339_ms(SystemTime{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("since accepts RFC 3339 with any offset and unix seconds") {
    const SystemTime want = SystemTime(seconds(1'700'000'000));
    struct Case {
        const char* label;
        const char* text;
        SystemTime want;
    };
    auto c = GENERATE_COPY(Case{"Z", "2023-11-14T22:13:20Z", want},
                           Case{"lower case", "2023-11-14t22:13:20z", want},
                           Case{"offset", "2023-11-15T00:13:20+02:00", want},
                           Case{"negative offset", "2023-11-14T21:13:20-01:00", want},
                           Case{"fraction", "2023-11-14T22:13:20.250Z", want + milliseconds(250)},
                           Case{"unix", "1700000000", want},
                           Case{"unix fraction", "1700000000.5", want + milliseconds(500)});
    INFO(c.label << ": " << c.text);
    auto got = parse_time(c.text);
    REQUIRE(got);
    CHECK(*got == c.want);
}

TEST_CASE("since rejects what is neither") {
    auto text =
        GENERATE("", "yesterday", "2023-11-14", "2023-11-14T22:13:20", "2023-02-30T00:00:00Z",
                 "2023-11-14T25:00:00Z", "2023-11-14T22:13:20+2", "2023-11-14T22:13:20Zjunk",
                 "17e9", "1700000000.", "-5", "9999999999999999999999");
    INFO(text);
    CHECK_FALSE(parse_time(text));
}
