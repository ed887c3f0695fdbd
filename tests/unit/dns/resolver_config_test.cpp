// Resolver configuration: server addresses, resolv.conf(5) parsing, value checks.
#include <catch2/catch.hpp>

#include "harness/dns/resolver_config.hpp"

using namespace relaylab::dns;

TEST_CASE("name server addresses with and without ports", "[dns][config]") {
    CHECK(parse_name_server("127.0.0.1:5353").port == 5353);
    CHECK(parse_name_server("192.0.2.1").port == 53);
    CHECK(parse_name_server("[::1]:5300").address == "::1");
    CHECK(parse_name_server("::1").port == 53);
    CHECK_THROWS_AS(parse_name_server("dns.example:53"), std::invalid_argument);
    CHECK_THROWS_AS(parse_name_server("127.0.0.1:99999"), std::invalid_argument);
}

TEST_CASE("resolv.conf: nameservers, timeout and attempts", "[dns][config]") {
    auto config = config_from_resolv_conf_text(
        "# comment\nsearch example\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\n"
        "nameserver bogus\noptions timeout:3 attempts:4 rotate\n");
    REQUIRE(config.servers.size() == 2);
    CHECK(config.servers[0].address == "192.0.2.1");
    CHECK(config.servers[1].address == "fe80::1");
    CHECK(config.timeout == std::chrono::seconds(3));
    CHECK(config.tries == 4);
    CHECK_THROWS(config_from_resolv_conf_text("search x\n"));
}

TEST_CASE("validate() rejects unusable settings", "[dns][config]") {
    auto config = ResolverConfig::fixture("127.0.0.1", 5353);
    CHECK_NOTHROW(validate(config));
    auto bad = config;
    bad.tries = 0;
    CHECK_THROWS_AS(validate(bad), std::invalid_argument);
    bad = config;
    bad.servers.clear();
    CHECK_THROWS_AS(validate(bad), std::invalid_argument);
    bad = config;
    bad.edns_udp_size = 100;
    CHECK_THROWS_AS(validate(bad), std::invalid_argument);
}
