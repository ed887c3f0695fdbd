// Names, types and reverse names: the small helpers every lookup starts from.
#include <catch2/catch.hpp>

#include "harness/dns/core/message.hpp"
#include "harness/dns/core/types.hpp"

using namespace relaylab::dns;

TEST_CASE("record type names round-trip, RFC 3597 TYPEnnn included", "[dns][names]") {
    CHECK(to_string(RrType::mx) == "MX");
    CHECK(to_string(static_cast<RrType>(65)) == "TYPE65");
    CHECK(rr_type_from_string("tlsa") == RrType::tlsa);
    CHECK(rr_type_from_string("TYPE99") == static_cast<RrType>(99));
    CHECK_FALSE(rr_type_from_string("TYPE70000").has_value());
    CHECK_FALSE(rr_type_from_string("BOGUS").has_value());
}

TEST_CASE("check_name enforces RFC 1035 2.3.4 limits", "[dns][names]") {
    CHECK(check_name("example.test").empty());
    CHECK(check_name("example.test.").empty());
    CHECK_FALSE(check_name("").empty());
    CHECK_FALSE(check_name(std::string(64, 'a') + ".test").empty());  // label over 63
    CHECK(check_name(std::string(63, 'a') + ".test").empty());
    std::string long_name;
    for (int i = 0; i < 5; ++i)
        long_name += std::string(60, 'x') + ".";
    CHECK_FALSE(check_name(long_name).empty());  // over 255 octets
    CHECK_FALSE(check_name("a..b").empty());     // empty label
}

TEST_CASE("reverse names for PTR lookups (RFC 1035 3.5, RFC 3596 2.5)", "[dns][names]") {
    CHECK(reverse_name("192.0.2.1") == "1.2.0.192.in-addr.arpa");
    CHECK(reverse_name("2001:db8::1") ==
          "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    CHECK(reverse_name("not an ip").empty());
    CHECK(reverse_name("300.1.1.1").empty());
}

TEST_CASE("normalize_name lowers case and drops the root dot", "[dns][names]") {
    CHECK(normalize_name("MX1.Example.TEST.") == "mx1.example.test");
    CHECK(normalize_name("a") == "a");
}

TEST_CASE("build_query refuses invalid names and encodes EDNS on request", "[dns][names]") {
    CHECK_THROWS_AS(build_query(1, std::string(70, 'a') + ".test", RrType::a, 0),
                    std::invalid_argument);
    auto plain = build_query(0x1234, "example.test", RrType::mx, 0);
    REQUIRE(plain.size() == 12 + 14 + 4);
    CHECK(plain[0] == 0x12);
    CHECK(plain[1] == 0x34);
    CHECK(plain[11] == 0);  // ARCOUNT 0: no OPT
    auto edns = build_query(7, "example.test", RrType::mx, 1232);
    CHECK(edns[11] == 1);  // ARCOUNT 1: the OPT record (RFC 6891 6.1.1)
}
