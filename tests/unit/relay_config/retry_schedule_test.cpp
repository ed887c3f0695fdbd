// The retry schedule: exponential from minimal_backoff, capped, with jitter inside its bounds;
// expiry after the queue lifetime.
#include <catch2/catch.hpp>

#include <random>

#include "harness/relay/config/retry_schedule.hpp"

using namespace relaylab::relay;
using std::chrono::seconds;

namespace {
const WallClock::time_point now = WallClock::time_point(seconds(1'800'000'000));
}

TEST_CASE("without jitter: minimal, then times the multiplier, capped at maximal", "[retry]") {
    RetrySettings settings;  // 300 s, x2, cap 4000 s (Postfix's defaults)
    CHECK(base_backoff(0, settings) == seconds(300));
    CHECK(base_backoff(1, settings) == seconds(300));
    CHECK(base_backoff(2, settings) == seconds(600));
    CHECK(base_backoff(3, settings) == seconds(1200));
    CHECK(base_backoff(4, settings) == seconds(2400));
    CHECK(base_backoff(5, settings) == seconds(4000));
    CHECK(base_backoff(4'000'000'000u, settings) == seconds(4000));  // no overflow, no long loop
    settings.multiplier = 1;
    CHECK(base_backoff(50, settings) == seconds(300));
    settings.multiplier = 1.5;
    CHECK(base_backoff(3, settings) == seconds(675));
}

TEST_CASE("the base wait never decreases with attempts and never exceeds the cap", "[retry]") {
    RetrySettings settings;
    auto multiplier = GENERATE(1.0, 1.3, 2.0, 10.0);
    settings.multiplier = multiplier;
    settings.minimal_backoff = seconds(60);
    settings.maximal_backoff = seconds(3 * 3600);
    auto previous = seconds(0);
    for (std::uint32_t attempt = 1; attempt < 200; ++attempt) {
        auto wait = base_backoff(attempt, settings);
        CHECK(wait >= previous);
        CHECK(wait >= settings.minimal_backoff);
        CHECK(wait <= settings.maximal_backoff);
        previous = wait;
    }
    if (multiplier > 1) {
        CHECK(previous == settings.maximal_backoff);
    } else {
        CHECK(previous == settings.minimal_backoff);  // x1: a fixed interval
    }
}

TEST_CASE("1000 jittered draws stay within +-jitter and under the cap, and do spread", "[retry]") {
    RetrySettings settings;
    settings.jitter = 0.2;
    std::mt19937_64 rng(42);
    for (std::uint32_t attempt : {1u, 3u, 20u}) {
        auto base = base_backoff(attempt, settings);
        auto low = seconds(static_cast<long>(base.count() * 0.8) - 1);
        auto high =
            std::min(settings.maximal_backoff, seconds(static_cast<long>(base.count() * 1.2) + 1));
        auto smallest = seconds::max();
        auto largest = seconds::min();
        for (int i = 0; i < 1000; ++i) {
            auto wait = std::chrono::duration_cast<seconds>(
                next_attempt(attempt, now, settings, rng) - now);
            CHECK(wait >= low);
            CHECK(wait <= high);
            smallest = std::min(smallest, wait);
            largest = std::max(largest, wait);
        }
        INFO("attempt " << attempt << ": " << smallest.count() << ".." << largest.count());
        // Spread: the draws use most of the allowed range (below the cap at least).
        CHECK(smallest <= seconds(static_cast<long>(base.count() * 0.85)));
        if (attempt == 1) CHECK(largest >= seconds(static_cast<long>(base.count() * 1.15)));
    }
}

TEST_CASE("jittered_backoff bounds at the extreme draws", "[retry]") {
    RetrySettings settings;
    settings.minimal_backoff = seconds(100);
    settings.maximal_backoff = seconds(1000);
    settings.jitter = 0.5;
    CHECK(jittered_backoff(1, settings, -1.0) == seconds(50));
    CHECK(jittered_backoff(1, settings, 1.0) == seconds(150));
    CHECK(jittered_backoff(1, settings, 0.0) == seconds(100));
    CHECK(jittered_backoff(10, settings, 1.0) == seconds(1000));  // capped after jitter
    CHECK(jittered_backoff(10, settings, -1.0) == seconds(500));
    CHECK(jittered_backoff(1, settings, 7.0) == seconds(150));  // a bad draw is clamped
    CHECK(jittered_backoff(1, settings, std::nan("")) == seconds(100));
    settings.minimal_backoff = seconds(1);
    CHECK(jittered_backoff(1, settings, -1.0) == seconds(1));  // never a 0 s retry
}

TEST_CASE("expiry: the queue lifetime, and the bounce lifetime for DSNs", "[retry]") {
    RetrySettings settings;
    settings.maximal_queue_lifetime = seconds(5 * 86400);
    settings.bounce_queue_lifetime = seconds(86400);
    auto received = now - seconds(2 * 86400);
    CHECK_FALSE(expired(received, now, settings, false));
    CHECK(expired(received, now, settings, true));
    CHECK_FALSE(expired(now - seconds(5 * 86400 - 1), now, settings, false));
    CHECK(expired(now - seconds(5 * 86400), now, settings, false));
    CHECK_FALSE(expired(now, now, settings, false));
    settings.maximal_queue_lifetime = seconds(0);  // Postfix: bounce at the first deferral
    CHECK(expired(now, now, settings, false));
}
