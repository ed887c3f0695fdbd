// The quoted-printable codec the rewriter uses, against RFC 2045 6.7's rules.
#include <catch2/catch.hpp>

#include "harness/relay/engagement/quoted_printable.hpp"
#include "rewrite_fixture.hpp"

using namespace relaylab::relay;
using namespace relaylab::relay::testing;

TEST_CASE("qp_decode: escapes, soft breaks, lenient on malformed input", "[qp]") {
    struct Case {
        const char* label;
        const char* in;
        const char* want;
    };
    auto c = GENERATE(values<Case>({
        {"escape", "a=3Db", "a=b"},
        {"lower-case hex", "=c3=a9", "\xc3\xa9"},
        {"soft break CRLF", "ab=\r\ncd", "abcd"},
        {"soft break LF", "ab=\ncd", "abcd"},
        {"soft break after blanks", "ab= \t\r\ncd", "abcd"},
        {"hard break kept", "ab\r\ncd", "ab\r\ncd"},
        {"malformed kept", "a=ZZb=", "a=ZZb"},
        {"= at the end", "abc=", "abc"},
        {"= one hex digit", "a=4", "a=4"},
    }));
    INFO(c.label);
    CHECK(qp_decode(c.in) == c.want);
}

TEST_CASE("qp_encode: 76-column lines, trailing blanks encoded, round trip", "[qp]") {
    SECTION("short text") {
        CHECK(qp_encode("a=b \xc3\xa9", "\r\n") == "a=3Db =C3=A9");
        CHECK(qp_encode("end \r\nnext\t", "\r\n") == "end=20\r\nnext=09");
    }
    SECTION("long lines are soft-broken, never inside an escape") {
        std::string text;
        for (int i = 0; i < 200; ++i)
            text += (i % 7 == 0) ? "\xc3\xa9" : "x=";
        text += "\r\nshort\r\n";
        std::string encoded = qp_encode(text, "\r\n");
        for (auto line : lines_of(encoded)) {
            CHECK(line.size() <= qp_max_line);
            // a line never ends inside "=XX"
            auto eq = line.rfind('=');
            if (eq != std::string_view::npos)
                CHECK((eq + 1 == line.size() || eq + 3 <= line.size()));
        }
        CHECK(reader_qp(encoded) == text);
        CHECK(qp_decode(encoded) == text);
    }
    SECTION("every octet round-trips") {
        std::string all;
        for (int i = 0; i < 256; ++i)
            all += static_cast<char>(i);
        CHECK(reader_qp(qp_encode(all, "\r\n")) == all);
        CHECK(reader_qp(qp_encode(all, "\n")) == all);
    }
}
