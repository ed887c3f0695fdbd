// SlidingWindowCounter (harness/relay/engagement/sliding_window_counter.hpp) on a clock the test
// moves: counts in the window, forgets after it, says when a limit frees up.
#include <catch2/catch.hpp>

#include "harness/relay/engagement/sliding_window_counter.hpp"

using namespace relaylab::relay;
using namespace std::chrono_literals;

namespace {
const SlidingWindowCounter::Clock::time_point t0 =
    SlidingWindowCounter::Clock::time_point{} + 1000h;
}

TEST_CASE("events count within the window and are forgotten after it", "[engagement][window]") {
    SlidingWindowCounter counter(1h);
    CHECK(counter.bucket_width() == 1min);
    counter.add(t0);
    counter.add(t0 + 10min, 2);
    CHECK(counter.count(t0) == 1);
    CHECK(counter.count(t0 + 30min) == 3);
    CHECK(counter.count(t0 + 59min) == 3);
    // Strict by at most a bucket: the first event counts until its minute is wholly out.
    CHECK(counter.count(t0 + 1h) == 3);
    CHECK(counter.count(t0 + 1h + 1min) == 2);
    CHECK(counter.count(t0 + 1h + 10min) == 2);
    CHECK(counter.count(t0 + 1h + 11min) == 0);
    CHECK(counter.count(t0 + 100h) == 0);
}

TEST_CASE("until_below says when the oldest events leave", "[engagement][window]") {
    SlidingWindowCounter counter(1h);
    counter.add(t0, 2);
    counter.add(t0 + 20min, 1);
    // Limit 3 reached: the two at t0 stop counting at t0+1h+1min (their bucket wholly out).
    CHECK(counter.until_below(t0 + 30min, 3) == 31min);
    // Limit 2: one left after those two go, below 2.
    CHECK(counter.until_below(t0 + 30min, 2) == 31min);
    // Limit 1: the t0+20min one must go too.
    CHECK(counter.until_below(t0 + 30min, 1) == 51min);
    CHECK(counter.until_below(t0 + 30min, 4) == 0s);
    // Never zero while at the limit, even at the edge of a bucket; and it is exact.
    CHECK(counter.until_below(t0 + 1h + 1min - 1s, 3) == 1s);
    CHECK(counter.count(t0 + 1h + 1min - 1s) == 3);
    CHECK(counter.count(t0 + 1h + 1min) == 1);
}

TEST_CASE("memory is fixed whatever the number of events", "[engagement][window]") {
    SlidingWindowCounter counter(24h, 60);
    for (int i = 0; i < 100000; ++i)
        counter.add(t0 + std::chrono::seconds(i));
    // 100000 s is more than a day: the last day's count, plus at most a bucket (strict side).
    auto count = counter.count(t0 + 100000s);
    CHECK(count >= 86400);
    CHECK(count <= 86400 + 24 * 60);
}

TEST_CASE("short windows have one-second buckets", "[engagement][window]") {
    SlidingWindowCounter counter(10s);
    CHECK(counter.bucket_width() == 1s);
    counter.add(t0);
    CHECK(counter.count(t0 + 10s) == 1);
    CHECK(counter.count(t0 + 11s) == 0);
    SlidingWindowCounter odd(90s, 60);  // width 1s, 90 buckets: never a shorter window
    odd.add(t0);
    CHECK(odd.count(t0 + 90s) == 1);
    CHECK(odd.count(t0 + 91s) == 0);
}
