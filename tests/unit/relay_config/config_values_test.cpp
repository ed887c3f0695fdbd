// The value syntaxes shared by relay.json and the relay's flags: durations and host:port.
#include <catch2/catch.hpp>

#include "harness/relay/config/config_values.hpp"

using namespace relaylab::relay;
using std::chrono::seconds;

TEST_CASE("durations: seconds or a number with s, m, h, d", "[values]") {
    struct Case {
        const char* text;
        long long want;  // -1: refused
    };
    auto c = GENERATE(values<Case>({
        {"300", 300},
        {"300s", 300},
        {"5m", 300},
        {"2h", 7200},
        {"5d", 432000},
        {"0s", 0},
        {"366d", 366LL * 86400},
        {"367d", -1},
        {"31622401", -1},               // one second over 366 days
        {"18446744073709551615d", -1},  // overflows when multiplied: refused, not wrapped
        {"", -1},
        {"s", -1},
        {"5 m", -1},
        {"-5m", -1},
        {"5M", -1},
        {"5w", -1},
        {"1.5h", -1},
    }));
    INFO(c.text);
    std::string error;
    auto got = parse_duration(c.text, &error);
    if (c.want < 0) {
        CHECK_FALSE(got);
        CHECK_FALSE(error.empty());
    } else {
        REQUIRE(got);
        CHECK(got->count() == c.want);
    }
}

TEST_CASE("format_duration picks the largest exact unit and parses back", "[values]") {
    CHECK(format_duration(seconds(0)) == "0s");
    CHECK(format_duration(seconds(59)) == "59s");
    CHECK(format_duration(seconds(300)) == "5m");
    CHECK(format_duration(seconds(4000)) == "4000s");
    CHECK(format_duration(seconds(7200)) == "2h");
    CHECK(format_duration(seconds(5 * 86400)) == "5d");
    for (long long s : {1LL, 61LL, 3600LL, 90000LL, 366LL * 86400})
        CHECK(parse_duration(format_duration(seconds(s)))->count() == s);
}

TEST_CASE("host:port for listeners and for remote servers", "[values]") {
    struct Case {
        const char* text;
        HostRule host_rule;
        PortRule port_rule;
        const char* host;  // nullptr: refused
        int port;
    };
    const auto literal = HostRule::address_literal;
    const auto any_host = HostRule::name_or_address;
    const auto listener = PortRule::listener;
    const auto remote = PortRule::remote;
    auto c = GENERATE_COPY(values<Case>({
        {"127.0.0.1:2525", literal, listener, "127.0.0.1", 2525},
        {"127.0.0.1:0", literal, listener, "127.0.0.1", 0},
        {"127.0.0.1:0", literal, remote, nullptr, 0},
        {"[::1]:25", literal, remote, "::1", 25},
        {"[2001:db8::1]:65535", literal, remote, "2001:db8::1", 65535},
        {"[::ffff:127.0.0.1]:25", literal, remote, "::ffff:127.0.0.1", 25},
        {"smtp.example.test:587", any_host, remote, "smtp.example.test", 587},
        {"localhost:587", any_host, remote, "localhost", 587},
        {"smtp.example.test:587", literal, remote, nullptr, 0},
        {"[127.0.0.1]:25", literal, remote, nullptr, 0},  // brackets are for IPv6
        {"[::1]25", literal, remote, nullptr, 0},
        {"[::1]", literal, remote, nullptr, 0},
        {"[::1:25", literal, remote, nullptr, 0},
        {"::1:25", literal, remote, nullptr, 0},
        {"127.0.0.1:", literal, listener, nullptr, 0},
        {"127.0.0.1:65536", literal, listener, nullptr, 0},
        {"127.0.0.1:+25", literal, listener, nullptr, 0},
        {"127.0.0.1:25x", literal, listener, nullptr, 0},
        {":25", any_host, remote, nullptr, 0},
        {"bad_host:25", any_host, remote, nullptr, 0},
        {"", any_host, remote, nullptr, 0},
    }));
    INFO(c.text);
    std::string error;
    auto got = parse_host_port(c.text, c.host_rule, c.port_rule, &error);
    if (!c.host) {
        CHECK_FALSE(got);
        CHECK_FALSE(error.empty());
        return;
    }
    REQUIRE(got);
    CHECK(got->host == c.host);
    CHECK(got->port == c.port);
    CHECK(format_host_port(*got) == c.text);
}

TEST_CASE("an over-long host:port is refused", "[values]") {
    std::string text(10'000, 'a');
    text += ".test:25";
    std::string error;
    CHECK_FALSE(parse_host_port(text, HostRule::name_or_address, PortRule::remote, &error));
    CHECK(error.find("too long") != std::string::npos);
}

TEST_CASE("loopback hosts", "[values]") {
    CHECK(is_loopback_host("127.0.0.1"));
    CHECK(is_loopback_host("127.255.0.9"));
    CHECK(is_loopback_host("::1"));
    CHECK(is_loopback_host("::ffff:127.0.0.1"));
    CHECK(is_loopback_host("localhost"));
    CHECK_FALSE(is_loopback_host("0.0.0.0"));
    CHECK_FALSE(is_loopback_host("::"));
    CHECK_FALSE(is_loopback_host("192.0.2.1"));
    CHECK_FALSE(is_loopback_host("128.0.0.1"));
    CHECK_FALSE(is_loopback_host("localhost.example.test"));
}

TEST_CASE("fold_domain: ASCII lower case, no trailing root dot", "[values]") {
    CHECK(fold_domain("Gmail.TEST.") == "gmail.test");
    CHECK(fold_domain("gmail.test") == "gmail.test");
    CHECK(fold_domain(".Sub.Example.test") == ".sub.example.test");
    CHECK(fold_domain(".") == "");
    CHECK(fold_domain("") == "");
    CHECK(fold_domain("\xc3\x84.test") == "\xc3\x84.test");  // non-ASCII left alone
}
