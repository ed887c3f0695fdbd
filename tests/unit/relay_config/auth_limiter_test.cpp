// Failed AUTH attempts per client in a sliding minute, with a bounded table. Driven by a fake
// clock: no sleeps.
#include <catch2/catch.hpp>

#include "harness/relay/config/auth_limiter.hpp"

using namespace relaylab::relay;
using namespace std::chrono_literals;

namespace {
const AuthLimiter::Clock::time_point t0{std::chrono::hours(1000)};
}

TEST_CASE("a client is refused after N failures within a minute, until the oldest ages out",
          "[auth_limiter]") {
    AuthLimiter limiter(3);
    CHECK(limiter.allow("192.0.2.1", t0));
    limiter.failed("192.0.2.1", t0);
    limiter.failed("192.0.2.1", t0 + 10s);
    CHECK(limiter.allow("192.0.2.1", t0 + 10s));
    limiter.failed("192.0.2.1", t0 + 20s);
    CHECK_FALSE(limiter.allow("192.0.2.1", t0 + 20s));
    CHECK_FALSE(limiter.allow("192.0.2.1", t0 + 59s));
    CHECK(limiter.allow("192.0.2.2", t0 + 20s));  // others are not affected
    // The window slides: at t0 + 60 s the first failure is a minute old, two remain.
    CHECK(limiter.allow("192.0.2.1", t0 + 60s));
    limiter.failed("192.0.2.1", t0 + 61s);
    CHECK_FALSE(limiter.allow("192.0.2.1", t0 + 61s));
    CHECK_FALSE(limiter.allow("192.0.2.1", t0 + 69s));
    CHECK(limiter.allow("192.0.2.1", t0 + 70s));   // the one at +10 s has aged out
    CHECK(limiter.allow("192.0.2.1", t0 + 200s));  // all gone
}

TEST_CASE("a steady guesser gets no more than N tries in any minute", "[auth_limiter]") {
    AuthLimiter limiter(5);
    int attempts = 0;
    std::vector<AuthLimiter::Clock::time_point> tried;
    // One attempt a second for ten minutes, whenever allowed.
    for (int s = 0; s < 600; ++s) {
        auto now = t0 + std::chrono::seconds(s);
        if (!limiter.allow("198.51.100.9", now)) continue;
        ++attempts;
        tried.push_back(now);
        limiter.failed("198.51.100.9", now);
    }
    for (std::size_t i = 5; i < tried.size(); ++i)
        CHECK(tried[i] - tried[i - 5] >= 60s);  // any 6 attempts span at least a minute
    CHECK(attempts == 50);                      // 5 per minute, 10 minutes
}

TEST_CASE("IPv4 forms and IPv6 /64s share one count", "[auth_limiter]") {
    AuthLimiter limiter(2);
    limiter.failed("192.0.2.1", t0);
    limiter.failed("::ffff:192.0.2.1", t0);  // the same client through a dual-stack socket
    CHECK_FALSE(limiter.allow("192.0.2.1", t0));
    limiter.failed("2001:db8:1:2::1", t0);
    limiter.failed("2001:db8:1:2:ffff::9", t0);  // another address of the same /64
    CHECK_FALSE(limiter.allow("2001:db8:1:2::77", t0));
    CHECK(limiter.allow("2001:db8:1:3::1", t0));  // the next /64
    CHECK(limiter.tracked_clients() == 2);
}

TEST_CASE("0 failures per minute is no limit, and stores nothing", "[auth_limiter]") {
    AuthLimiter limiter(0);
    for (int i = 0; i < 100; ++i)
        limiter.failed("192.0.2.1", t0);
    CHECK(limiter.allow("192.0.2.1", t0));
    CHECK(limiter.tracked_clients() == 0);
}

TEST_CASE("the table is bounded: a spray of addresses evicts the oldest", "[auth_limiter]") {
    AuthLimiter limiter(1, 100);
    limiter.failed("203.0.113.1", t0);
    CHECK_FALSE(limiter.allow("203.0.113.1", t0));
    for (int i = 0; i < 10'000; ++i) {
        std::string ip =
            "10." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + ".1";
        limiter.failed(ip, t0 + 1s);
        CHECK(limiter.tracked_clients() <= 100);
    }
    CHECK(limiter.tracked_clients() == 100);
    CHECK(limiter.evictions() > 0);
    // Non-addresses get bounded keys too.
    limiter.failed(std::string(100'000, 'x'), t0 + 1s);
    CHECK(limiter.tracked_clients() == 100);
}

TEST_CASE("entries a minute old are dropped before anyone is evicted", "[auth_limiter]") {
    AuthLimiter limiter(1, 10);
    for (int i = 0; i < 10; ++i)
        limiter.failed("192.0.2." + std::to_string(i), t0);
    CHECK(limiter.tracked_clients() == 10);
    limiter.failed("198.51.100.1", t0 + 61s);
    CHECK(limiter.tracked_clients() == 1);
    CHECK(limiter.evictions() == 0);
}
