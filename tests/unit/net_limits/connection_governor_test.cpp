// ConnectionGovernor as a pure function of (client, time): per-client counts, the per-client
// token bucket, the listener budget, stress and the descriptor budget.
#include "harness/net/connection_governor.hpp"

#include <catch2/catch.hpp>

#include "harness/net/descriptor_limit.hpp"

using namespace relaylab::net;
using namespace std::chrono_literals;
using Clock = ConnectionGovernor::Clock;

TEST_CASE("client keys group addresses by prefix") {
    CHECK(client_key("127.0.0.1") == client_key("::ffff:127.0.0.1"));
    CHECK_FALSE(client_key("127.0.0.1") == client_key("127.0.0.2"));
    ClientGrouping subnet{24, 64};
    CHECK(client_key("192.0.2.1", subnet) == client_key("192.0.2.200", subnet));
    CHECK_FALSE(client_key("192.0.2.1", subnet) == client_key("192.0.3.1", subnet));
    CHECK(client_key("2001:db8:1:2::1", subnet) == client_key("2001:db8:1:2:ffff::9", subnet));
    CHECK_FALSE(client_key("2001:db8:1:2::1", subnet) == client_key("2001:db8:1:3::1", subnet));
    CHECK_FALSE(client_key("2001:db8::1") == client_key("2001:db8::2"));
    CHECK(client_key("not an address") == client_key(""));
}

TEST_CASE("by default one client may hold half the budget; others still get in") {
    ConnectionGovernor governor({.max_connections = 10});
    auto abuser = client_key("127.0.0.2");
    auto ordinary = client_key("127.0.0.1");
    auto now = Clock::now();
    for (int i = 0; i < 5; ++i)
        REQUIRE(governor.admit(abuser, now) == Refusal::none);
    CHECK(governor.admit(abuser, now) == Refusal::client_connections);
    CHECK(governor.admit(ordinary, now) == Refusal::none);
    CHECK(governor.active() == 6);
    CHECK(governor.active_for(abuser) == 5);
    governor.release(abuser);
    CHECK(governor.admit(abuser, now) == Refusal::none);
}

TEST_CASE("the listener budget refuses beyond max_connections; stress from three quarters") {
    ConnectionGovernor governor({.max_connections = 4, .max_per_client = 0});
    auto key = client_key("10.0.0.1");
    auto now = Clock::now();
    REQUIRE(governor.admit(key, now) == Refusal::none);
    REQUIRE(governor.admit(key, now) == Refusal::none);
    CHECK_FALSE(governor.under_stress());
    REQUIRE(governor.admit(key, now) == Refusal::none);
    CHECK(governor.under_stress());
    REQUIRE(governor.admit(key, now) == Refusal::none);
    CHECK(governor.admit(client_key("10.0.0.2"), now) == Refusal::server_full);
    for (int i = 0; i < 4; ++i)
        governor.release(key);
    CHECK(governor.active() == 0);
    CHECK_FALSE(governor.under_stress());
    CHECK(governor.tracked_clients() == 0);  // no rate limit: nothing remembered
}

TEST_CASE("the per-client rate limit is a token bucket refilled over a minute") {
    ConnectionGovernor governor({.max_connections = 100, .max_rate_per_client = 6});
    auto key = client_key("192.0.2.7");
    auto t0 = Clock::now();
    for (int i = 0; i < 6; ++i) {
        REQUIRE(governor.admit(key, t0) == Refusal::none);
        governor.release(key);
    }
    CHECK(governor.admit(key, t0) == Refusal::client_rate);
    CHECK(governor.admit(client_key("192.0.2.8"), t0) == Refusal::none);  // others unaffected
    CHECK(governor.admit(key, t0 + 5s) == Refusal::client_rate);          // half a token
    CHECK(governor.admit(key, t0 + 10s) == Refusal::none);                // one token back
    CHECK(governor.admit(key, t0 + 11s) == Refusal::client_rate);
    CHECK(governor.admit(key, t0 + 10min) == Refusal::none);
}

TEST_CASE("the default per-client share follows a descriptor budget smaller than the listener's") {
    DescriptorBudget budget(20);
    ConnectionGovernor governor({.max_connections = 1000}, &budget);
    CHECK(governor.per_client_limit() == 10);
    ConnectionGovernor explicit_limit({.max_connections = 1000, .max_per_client = 300}, &budget);
    CHECK(explicit_limit.per_client_limit() == 300);
}

TEST_CASE("the client table stays bounded under a flood from many addresses") {
    ConnectionGovernor governor(
        {.max_connections = 0, .max_rate_per_client = 10, .max_tracked_clients = 100});
    auto now = Clock::now();
    for (int i = 0; i < 5000; ++i) {
        auto key = client_key("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250));
        REQUIRE(governor.admit(key, now) == Refusal::none);
        governor.release(key);
        CHECK(governor.tracked_clients() <= 100);
    }
}

TEST_CASE("the process descriptor budget is shared and refuses before the limit") {
    DescriptorBudget budget(3);
    ConnectionGovernor smtp({.max_connections = 100, .max_per_client = 0}, &budget);
    ConnectionGovernor api({.max_connections = 100, .max_per_client = 0}, &budget);
    auto now = Clock::now();
    auto a = client_key("127.0.0.1");
    REQUIRE(smtp.admit(a, now) == Refusal::none);
    REQUIRE(smtp.admit(a, now) == Refusal::none);
    CHECK_FALSE(smtp.under_stress());  // 2 of 3 descriptors: under three quarters
    REQUIRE(api.admit(a, now) == Refusal::none);
    CHECK(smtp.under_stress());  // the other listener's connections count too
    CHECK(api.admit(client_key("127.0.0.9"), now) == Refusal::descriptors);
    CHECK(smtp.admit(a, now) == Refusal::descriptors);
    CHECK(api.tracked_clients() == 1);
    api.release(a);
    CHECK(budget.in_use() == 2);
    CHECK(smtp.admit(a, now) == Refusal::none);
}
