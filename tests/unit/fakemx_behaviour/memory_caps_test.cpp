// Hostile peers cannot grow the engine's tables without bound: each is capped by
// max_tracked_entries and forgets the least recently used entry.
#include <catch2/catch.hpp>

#include "behaviour_fixture.hpp"
#include "harness/net/bounded_lru.hpp"

using namespace relaylab;
using namespace relaylab::fakemx;
using relaylab::net::BoundedLru;
using namespace relaylab::fakemx::test;
using smtp::Phase;
using std::chrono::seconds;

TEST_CASE("BoundedLru evicts the least recently used", "[memory]") {
    BoundedLru<int> table(3);
    table.get_or_insert("a", 1);
    table.get_or_insert("b", 2);
    table.get_or_insert("c", 3);
    REQUIRE(table.find("a") != nullptr);  // "b" is now the oldest
    table.get_or_insert("d", 4);
    CHECK(table.size() == 3);
    CHECK(table.evictions() == 1);
    CHECK(table.peek("b") == nullptr);
    CHECK(*table.peek("a") == 1);
    CHECK(*table.peek("d") == 4);
    table.trim_oldest([](int v) { return v < 4; });
    CHECK(table.size() == 1);
    table.erase("d");
    CHECK(table.size() == 0);
}

TEST_CASE("greylist and attempt tables stay under the cap", "[memory]") {
    auto engine = engine_from(R"({"max_tracked_entries": 100,
        "greylist": {"min_retry_s": 60, "max_retry_s": 3600},
        "rules": [{"phase": "rcpt", "match": {"attempt": {"min": 1000}}, "reply": "550 5.7.1 x"}]})");
    Session s;
    for (int i = 0; i < 1000; ++i) {
        s.client_ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
        engine.decide(s.at(Phase::rcpt, "user" + std::to_string(i) + "@example.test"), t0);
    }
    auto sizes = engine.table_sizes();
    CHECK(sizes.greylist == 100);
    CHECK(sizes.attempts == 100);
    // The newest triplets are still known: the last one passes its retry.
    CHECK(engine.decide(s.at(Phase::rcpt, "user999@example.test"), t0 + seconds(60)).is_default());
    // The oldest was forgotten: greylisted as new.
    s.client_ip = "10.0.0.0";
    CHECK(engine.decide(s.at(Phase::rcpt, "user0@example.test"), t0 + seconds(60)).rule ==
          "greylist (first seen)");
}

TEST_CASE("expired greylist entries are dropped before the cap is reached", "[memory]") {
    auto engine = engine_from(R"({"greylist": {"min_retry_s": 60, "max_retry_s": 600}})");
    Session s;
    for (int i = 0; i < 50; ++i) {
        engine.decide(s.at(Phase::rcpt, "u" + std::to_string(i) + "@example.test"), t0);
    }
    CHECK(engine.table_sizes().greylist == 50);
    engine.decide(s.at(Phase::rcpt, "late@example.test"), t0 + seconds(601));
    CHECK(engine.table_sizes().greylist == 1);
}

TEST_CASE("per-client table stays under the cap", "[memory]") {
    auto engine = engine_from(R"({"max_tracked_entries": 10,
        "rate_limits": {"messages_per_minute": {"max": 5}, "concurrent_connections": {"max": 5}}})");
    for (int i = 0; i < 500; ++i) {
        std::string ip = "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256);
        engine.connection_opened(ip);
        engine.message_accepted(ip, t0);
        engine.connection_closed(ip);
    }
    CHECK(engine.table_sizes().clients == 10);
}
