// The per-request deadline with a minimum data rate, with a clock the test moves: a dripper
// runs out after about the timeout, an honest slow sender never does, stress shortens it.
#include "harness/net/request_deadline.hpp"

#include <catch2/catch.hpp>

using namespace relaylab::net;
using namespace std::chrono_literals;
using Clock = RequestDeadline::Clock;

namespace {

const Clock::time_point t0{std::chrono::hours(1000)};

// Feeds `bytes` every `step` until the deadline passes before the next read completes or
// `horizon` is reached; returns how long the sender lasted.
Clock::duration last(RequestDeadline& deadline, std::size_t bytes, Clock::duration step,
                     Clock::duration limit, Clock::duration horizon) {
    auto now = t0;
    while (now - t0 < horizon) {
        auto by = deadline.before_read(now, limit);
        if (now + step > by) return by - t0;
        now += step;
        deadline.received(bytes);
    }
    return horizon;
}

}  // namespace

TEST_CASE("a client dripping one byte at a time is cut off near the timeout") {
    RequestDeadline deadline(500);
    // One byte every 200 ms: each read is far inside the 3 s timeout.
    auto lasted = last(deadline, 1, 200ms, 3s, 1h);
    CHECK(lasted >= 3s);
    CHECK(lasted < 3100ms);  // 15 bytes bought 30 ms
}

TEST_CASE("a client above the minimum rate is never cut off, however long it takes") {
    RequestDeadline deadline(500);
    CHECK(last(deadline, 1000, 1s, 3s, 1h) == 1h);  // 1000 bytes/s for an hour
}

TEST_CASE("a client just below the minimum rate lasts longer than the timeout, but not forever") {
    RequestDeadline deadline(500);
    auto lasted = last(deadline, 400, 1s, 3s, 1h);  // 400 bytes/s: loses 0.2 s a second
    CHECK(lasted > 10s);
    CHECK(lasted < 20s);
}

TEST_CASE("the deadline never lies further ahead than the timeout") {
    RequestDeadline deadline(500);
    deadline.before_read(t0, 3s);
    deadline.received(50'000'000);  // would buy 100000 s
    CHECK(deadline.before_read(t0 + 1s, 3s) == t0 + 4s);
}

TEST_CASE("stress shortens a running deadline; reset starts the next body afresh") {
    RequestDeadline deadline(500);
    CHECK(deadline.before_read(t0, 300s) == t0 + 300s);
    CHECK(deadline.before_read(t0 + 1s, 10s) == t0 + 11s);
    CHECK(deadline.active());
    deadline.reset();
    CHECK_FALSE(deadline.active());
    CHECK(deadline.before_read(t0 + 100s, 300s) == t0 + 400s);
}

TEST_CASE("min_rate 0 is a plain per-read timeout") {
    RequestDeadline deadline(0);
    CHECK(last(deadline, 1, 200ms, 3s, 1h) == 1h);
    CHECK(deadline.before_read(t0 + 5s, 3s) == t0 + 8s);
}
