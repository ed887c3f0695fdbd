// SASL for SMTP AUTH: strict base64 (RFC 4648 4, 3.5 canonical encoding) and PLAIN (RFC 4616 2).
#include <catch2/catch.hpp>
#include <string>

#include "harness/smtp/sasl.hpp"

using namespace std::string_literals;

TEST_CASE("base64 test vectors of RFC 4648 10", "[sasl]") {
    struct Case {
        const char* plain;
        const char* encoded;
    };
    auto c = GENERATE(values<Case>({
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    }));
    CHECK(relaylab::smtp::base64_encode(c.plain) == c.encoded);
    auto decoded = relaylab::smtp::base64_decode(c.encoded);
    REQUIRE(decoded);
    CHECK(*decoded == c.plain);
}

TEST_CASE("base64 round-trips every octet at every length", "[sasl]") {
    std::string data;
    for (int i = 0; i < 300; ++i) {
        auto decoded = relaylab::smtp::base64_decode(relaylab::smtp::base64_encode(data));
        REQUIRE(decoded);
        REQUIRE(*decoded == data);
        data += static_cast<char>((i * 37 + 11) & 0xff);
    }
}

TEST_CASE("base64_decode is strict", "[sasl]") {
    struct Case {
        const char* label;
        std::string text;
    };
    auto c = GENERATE(values<Case>({
        {"length not a multiple of 4", "Zm9"},
        {"missing padding", "Zg"},
        {"three padding characters", "Z==="},
        {"padding in the first quartet position", "=Zm9"},
        {"padding in the middle", "Zg==Zm9v"},
        {"data after padding", "Zm=v"},
        {"character outside the alphabet", "Zm9*"},
        {"URL-safe alphabet", "Zm-_"},
        {"space", "Zm9v Zm9v"},
        {"line break", "Zm9v\r\nZm9v"},
        {"NUL", "Zm9\0"s},
        {"non-canonical one pad", "Zm9=" /* 'o' with low bits: "Zm8=" is canonical */},
        {"non-canonical two pads", "Zh=="},
        {"high bit octet", "Zm9\xc3"},
    }));
    INFO(c.label);
    CHECK_FALSE(relaylab::smtp::base64_decode(c.text));
}

TEST_CASE("parse_plain_response", "[sasl]") {
    struct Case {
        const char* label;
        std::string message;
        bool ok;
        std::string authzid, username, password;
    };
    auto c = GENERATE(values<Case>({
        {"no authzid", "\0tim\0tanstaaftanstaaf"s, true, "", "tim", "tanstaaftanstaaf"},
        {"with authzid", "Ursel\0Kurt\0xipj3plmq"s, true, "Ursel", "Kurt", "xipj3plmq"},
        {"empty password", "\0user\0"s, true, "", "user", ""},
        {"UTF-8 credentials", "\0j\xc3\xb6rg\0p\xc3\xa4ss"s, true, "", "j\xc3\xb6rg",
         "p\xc3\xa4ss"},
        {"empty username", "\0\0pass"s, false, "", "", ""},
        {"one NUL", "\0userpass"s, false, "", "", ""},
        {"no NUL", "userpass", false, "", "", ""},
        {"three NULs", "\0user\0pa\0ss"s, false, "", "", ""},
        {"empty", "", false, "", "", ""},
    }));
    INFO(c.label);
    auto credentials = relaylab::smtp::parse_plain_response(c.message);
    REQUIRE(credentials.has_value() == c.ok);
    if (c.ok) {
        CHECK(credentials->authzid == c.authzid);
        CHECK(credentials->username == c.username);
        CHECK(credentials->password == c.password);
    }
}

TEST_CASE("plain_initial_response", "[sasl]") {
    // RFC 4954 4 example: "AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=" is "test\0test\01234".
    relaylab::smtp::Credentials credentials{"test", "test", "1234"};
    CHECK(relaylab::smtp::plain_initial_response(credentials) == "dGVzdAB0ZXN0ADEyMzQ=");
    auto decoded = relaylab::smtp::base64_decode("dGVzdAB0ZXN0ADEyMzQ=");
    REQUIRE(decoded);
    auto parsed = relaylab::smtp::parse_plain_response(*decoded);
    REQUIRE(parsed);
    CHECK(parsed->authzid == "test");
    CHECK(parsed->username == "test");
    CHECK(parsed->password == "1234");
}
