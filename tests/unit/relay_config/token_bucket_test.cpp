// The delivery rate shaper over simulated time: the caller sleeps exactly as long as take() says,
// as the delivery loop's timer does.
#include <catch2/catch.hpp>

#include "harness/relay/config/token_bucket.hpp"

using namespace relaylab::relay;
using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

namespace {

const Clock::time_point t0{std::chrono::hours(1)};

// Sends as fast as the bucket allows until `span` has passed; the times of the messages sent.
std::vector<Clock::duration> drain(TokenBucket& bucket, Clock::duration span,
                                   Clock::time_point start = t0) {
    std::vector<Clock::duration> sent;
    auto now = start;
    while (now - start < span) {
        if (auto wait = bucket.take(now)) {
            REQUIRE(*wait > Clock::duration::zero());
            now += *wait;
        } else {
            sent.push_back(now - start);
        }
    }
    return sent;
}

}  // namespace

TEST_CASE("10/s gives 100 messages in 10 s (+-1)", "[token_bucket]") {
    TokenBucket bucket(10, 0);
    auto sent = drain(bucket, 10s);
    CHECK(sent.size() >= 99);
    CHECK(sent.size() <= 101);
}

TEST_CASE("rates over simulated time", "[token_bucket]") {
    struct Case {
        double per_second;
        double per_minute;
        std::chrono::seconds span;
        double want;  // messages in the span
    };
    auto c = GENERATE(values<Case>({
        {1, 0, 60s, 60},
        {0.5, 0, 60s, 30},
        {250, 0, 10s, 2500},
        {0, 60, 60s, 60},
        {0, 600, 120s, 1200},
        {0, 30, 600s, 300},
        {100, 120, 60s, 120},  // the slower bucket wins
        {2, 6000, 30s, 60},
    }));
    INFO(c.per_second << "/s, " << c.per_minute << "/min over " << c.span.count() << " s");
    TokenBucket bucket(c.per_second, c.per_minute);
    auto sent = drain(bucket, c.span);
    CHECK(static_cast<double>(sent.size()) == Approx(c.want).margin(1));
}

TEST_CASE("unshaped: always now", "[token_bucket]") {
    TokenBucket bucket(0, 0);
    CHECK(bucket.unshaped());
    for (int i = 0; i < 1000; ++i)
        CHECK_FALSE(bucket.take(t0));
}

TEST_CASE("after an idle spell the per-second bucket allows a burst of max(1, rate)",
          "[token_bucket]") {
    TokenBucket bucket(10, 0);
    CHECK_FALSE(bucket.take(t0));
    auto later = t0 + 1h;
    int burst = 0;
    while (!bucket.take(later))
        ++burst;
    CHECK(burst == 10);
    auto wait = bucket.take(later);
    REQUIRE(wait);
    CHECK(*wait > 99ms);
    CHECK(*wait < 101ms);

    TokenBucket slow(0.1, 0);  // a burst of one, then one per 10 s
    CHECK_FALSE(slow.take(t0));
    CHECK_FALSE(slow.take(t0 + 1h));
    REQUIRE(slow.take(t0 + 1h));
    CHECK(*slow.take(t0 + 1h) > 9s);
}

TEST_CASE("a per-minute quota holds in every 60 s window", "[token_bucket]") {
    TokenBucket bucket(0, 120);
    auto sent = drain(bucket, 300s);
    // Idle for an hour, then go again: the saved-up burst is one second's worth, not a minute's.
    auto after_idle = drain(bucket, 120s, t0 + 1h);
    for (const auto& run : {sent, after_idle}) {
        for (std::size_t i = 0; i < run.size(); ++i) {
            std::size_t j = i;
            while (j < run.size() && run[j] - run[i] < 60s)
                ++j;
            CHECK(j - i <= 120 + 2);  // N + N/60
        }
    }
}

TEST_CASE("take() after a clock step back neither sends early nor breaks", "[token_bucket]") {
    TokenBucket bucket(1, 0);
    CHECK_FALSE(bucket.take(t0));
    REQUIRE(bucket.take(t0 - 10s));
    REQUIRE(bucket.take(t0 + 500ms));
    CHECK_FALSE(bucket.take(t0 + 1001ms));
}
