// Quoted-printable and base64 undone as RFC 2045 6.7 / 6.8 ask of a robust decoder.
#include <catch2/catch.hpp>

#include "fake-mx/placement/model/transfer_encoding.hpp"

using namespace relaylab::placement;

TEST_CASE("quoted-printable", "[transfer_encoding]") {
    struct Case {
        const char* label;
        std::string in;
        std::string want;
    };
    auto c = GENERATE(values<Case>({
        {"=3D and =20", "a=3Db=20c", "a=b c"},
        {"lower-case hex", "=3d=e9", "=\xe9"},
        {"soft break CRLF", "abc=\r\ndef", "abcdef"},
        {"soft break LF", "abc=\ndef", "abcdef"},
        {"soft break with trailing space", "abc= \t\r\ndef", "abcdef"},
        {"hard line break kept", "a\r\nb", "a\r\nb"},
        {"= at the end", "abc=", "abc"},
        {"bad escape kept", "a=ZZb=4", "a=ZZb=4"},
    }));
    INFO(c.label);
    CHECK(decode_quoted_printable(c.in, 1000) == c.want);
}

TEST_CASE("base64, lenient", "[transfer_encoding]") {
    CHECK(decode_base64_lenient("aGVs\r\nbG8=", 100) == "hello");
    CHECK(decode_base64_lenient("aGVsbG8", 100) == "hello");     // no padding
    CHECK(decode_base64_lenient("aG!V*sbG8=", 100) == "hello");  // junk ignored (RFC 2045 6.8)
    CHECK(decode_base64_lenient("aGVsbG8=IGlnbm9yZWQ=", 100) == "hello");  // stops at padding
    CHECK(decode_base64_lenient("aGVsbG8=", 3) == "hel");
}

TEST_CASE("transfer encoding by name", "[transfer_encoding]") {
    CHECK(decode_transfer_encoding(" Quoted-Printable ", "a=3Db", 100) == "a=b");
    CHECK(decode_transfer_encoding("7bit", "a=3Db", 100) == "a=3Db");
    CHECK(decode_transfer_encoding("x-unknown", "abcdef", 3) == "abc");
}
