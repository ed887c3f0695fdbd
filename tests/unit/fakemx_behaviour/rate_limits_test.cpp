// Rate limits per client IP: concurrent connections at connect, messages per connection and
// per minute at MAIL.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "behaviour_fixture.hpp"

using namespace relaylab;
using namespace relaylab::fakemx;
using namespace relaylab::fakemx::test;
using smtp::Phase;
using std::chrono::seconds;

TEST_CASE("concurrent connections per IP: 421 4.7.0 at connect, then close", "[rate]") {
    auto engine = engine_from(R"({"rate_limits": {"concurrent_connections": {"max": 2}}})");
    CHECK(engine.decision_phases() == static_cast<unsigned>(Phase::connect));
    Session a;
    Session b;
    b.client_ip = "192.0.2.20";
    engine.connection_opened(a.client_ip);
    CHECK(engine.decide(a.at(Phase::connect), t0).is_default());
    engine.connection_opened(a.client_ip);
    CHECK(engine.decide(a.at(Phase::connect), t0).is_default());
    engine.connection_opened(a.client_ip);
    auto third = engine.decide(a.at(Phase::connect), t0);
    REQUIRE(third.reply);
    CHECK(third.reply->code == 421);
    CHECK(third.reply->enhanced == "4.7.0");
    CHECK(third.reply->text().find("192.0.2.10") != std::string::npos);
    CHECK(third.disconnect == Disconnect::after_reply);
    CHECK(third.rule == "rate_limits/concurrent_connections");
    // Another IP is counted apart.
    engine.connection_opened(b.client_ip);
    CHECK(engine.decide(b.at(Phase::connect), t0).is_default());
    // Closing makes room again.
    engine.connection_closed(a.client_ip);
    engine.connection_closed(a.client_ip);
    engine.connection_opened(a.client_ip);
    CHECK(engine.decide(a.at(Phase::connect), t0).is_default());
}

TEST_CASE("closing an unknown connection changes nothing", "[rate]") {
    auto engine = engine_from(R"({"rate_limits": {"concurrent_connections": {"max": 1}}})");
    engine.connection_closed("192.0.2.1");
    engine.connection_closed("192.0.2.1");
    Session s;
    s.client_ip = "192.0.2.1";
    engine.connection_opened(s.client_ip);
    engine.connection_opened(s.client_ip);
    CHECK(code_of(engine.decide(s.at(Phase::connect), t0)) == 421);
}

TEST_CASE("messages per connection: 451 4.7.1 at MAIL, or 421 and close", "[rate]") {
    Session s;
    SECTION("defer") {
        auto engine = engine_from(R"({"rate_limits": {"messages_per_connection": {"max": 3}}})");
        for (std::uint64_t n = 1; n <= 3; ++n) {
            s.message_number = n;
            CHECK(engine.decide(s.at(Phase::mail), t0).is_default());
        }
        s.message_number = 4;
        auto out = engine.decide(s.at(Phase::mail), t0);
        REQUIRE(out.reply);
        CHECK(out.reply->code == 451);
        CHECK(out.reply->enhanced == "4.7.1");
        CHECK(out.disconnect == Disconnect::none);
        s.message_number = 1;  // a new connection starts again
        CHECK(engine.decide(s.at(Phase::mail), t0).is_default());
    }
    SECTION("disconnect") {
        auto engine = engine_from(
            R"({"rate_limits": {"messages_per_connection": {"max": 1, "disconnect": true}}})");
        s.message_number = 2;
        auto out = engine.decide(s.at(Phase::mail), t0);
        REQUIRE(out.reply);
        CHECK(out.reply->code == 421);
        CHECK(out.reply->enhanced == "4.7.0");
        CHECK(out.disconnect == Disconnect::after_reply);
    }
}

TEST_CASE("messages per minute: a burst, then the rate", "[rate]") {
    auto engine = engine_from(R"j({"rate_limits": {"messages_per_minute": {"max": 6,
        "reply": "451 4.7.500 Server busy. Please try again later from [{client_ip}]. (S77719)"
    }}})j");
    CHECK(engine.decision_phases() == static_cast<unsigned>(Phase::mail));
    Session s;
    for (int i = 0; i < 6; ++i) {
        INFO("message " << i);
        REQUIRE(engine.decide(s.at(Phase::mail), t0).is_default());
        engine.message_accepted(s.client_ip, t0);
    }
    auto busy = engine.decide(s.at(Phase::mail), t0);
    REQUIRE(busy.reply);
    CHECK(busy.reply->summary() ==
          "451 4.7.500 Server busy. Please try again later from [192.0.2.10]. (S77719)");
    CHECK(busy.rule == "rate_limits/messages_per_minute");
    // Another client is not held back.
    Session other;
    other.client_ip = "198.51.100.1";
    CHECK(engine.decide(other.at(Phase::mail), t0).is_default());
    // 6 a minute refills one token every 10 seconds.
    CHECK(code_of(engine.decide(s.at(Phase::mail), t0 + seconds(9))) == 451);
    CHECK(code_of(engine.decide(s.at(Phase::mail), t0 + seconds(10))) == 0);
    engine.message_accepted(s.client_ip, t0 + seconds(10));
    CHECK(code_of(engine.decide(s.at(Phase::mail), t0 + seconds(11))) == 451);
    // A quiet minute restores the whole burst, no more.
    auto later = t0 + seconds(600);
    for (int i = 0; i < 6; ++i) {
        REQUIRE(engine.decide(s.at(Phase::mail), later).is_default());
        engine.message_accepted(s.client_ip, later);
    }
    CHECK(code_of(engine.decide(s.at(Phase::mail), later)) == 451);
}

TEST_CASE("without limits the counters are no-ops", "[rate]") {
    auto engine = engine_from("{}");
    engine.connection_opened("192.0.2.1");
    engine.message_accepted("192.0.2.1", t0);
    CHECK(engine.table_sizes().clients == 0);
    CHECK(engine.decision_phases() == 0);
}

TEST_CASE("counters stay exact when io threads call at once", "[rate][threads]") {
    // Never more than `threads` connections are open at once, so a correct count never refuses.
    auto engine = engine_from(R"({"rate_limits": {"concurrent_connections": {"max": 4}},
        "rules": [{"phase": "rcpt", "match": {"attempt": 8001}, "reply": "550 5.7.1 counted"}]})");
    constexpr int threads = 4;
    constexpr int rounds = 2000;
    std::atomic<int> refused{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            Session s;
            for (int i = 0; i < rounds; ++i) {
                engine.connection_opened(s.client_ip);
                if (!engine.decide(s.at(Phase::connect), t0).is_default()) ++refused;
                engine.decide(s.at(Phase::rcpt, "same@example.test"), t0);
                engine.connection_closed(s.client_ip);
            }
        });
    }
    for (auto& worker : workers)
        worker.join();
    CHECK(refused == 0);
    // Every attempt was counted exactly once: the next is number threads * rounds + 1.
    Session s;
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "same@example.test"), t0)) == 550);
    CHECK(engine.table_sizes().attempts == 1);
}
