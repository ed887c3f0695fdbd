#include "harness/relay/config/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace relaylab::relay {

namespace {

constexpr double seconds_per_minute = 60;
// Waits are rounded up to this, so that at now + wait the token is surely there despite
// floating-point rounding (otherwise a timer could fire a hair early and wait again for ~0).
constexpr std::chrono::microseconds wait_granularity{1};

TokenBucket::Clock::duration to_wait(double seconds) {
    auto micros = static_cast<std::int64_t>(std::ceil(seconds * 1e6)) + wait_granularity.count();
    return std::chrono::microseconds(micros);
}

}  // namespace

void TokenBucket::Bucket::refill(double elapsed_seconds) {
    if (!on()) return;
    tokens = std::min(capacity, tokens + elapsed_seconds * rate_per_second);
}

double TokenBucket::Bucket::wait_seconds() const {
    if (!on() || tokens >= 1) return 0;
    return (1 - tokens) / rate_per_second;
}

TokenBucket::TokenBucket(double messages_per_second, double messages_per_minute) {
    auto usable = [](double rate) { return std::isfinite(rate) && rate > 0 ? rate : 0.0; };
    second_.rate_per_second = usable(messages_per_second);
    second_.capacity = std::max(1.0, second_.rate_per_second);
    minute_.rate_per_second = usable(messages_per_minute) / seconds_per_minute;
    minute_.capacity = std::max(1.0, minute_.rate_per_second);
}

std::optional<TokenBucket::Clock::duration> TokenBucket::take(Clock::time_point now) {
    if (unshaped()) return std::nullopt;
    // A clock that stepped back (a caller mixing time sources) adds nothing rather than
    // removing tokens.
    if (last_ && now > *last_) {
        double elapsed = std::chrono::duration<double>(now - *last_).count();
        second_.refill(elapsed);
        minute_.refill(elapsed);
    }
    if (!last_ || now > *last_) last_ = now;
    double wait = std::max(second_.wait_seconds(), minute_.wait_seconds());
    if (wait > 0) return to_wait(wait);
    if (second_.on()) second_.tokens -= 1;
    if (minute_.on()) minute_.tokens -= 1;
    return std::nullopt;
}

}  // namespace relaylab::relay
