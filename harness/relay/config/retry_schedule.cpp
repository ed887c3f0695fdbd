#include "harness/relay/config/retry_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace relaylab::relay {

namespace {

constexpr std::chrono::seconds min_wait{1};  // a 0 s retry would spin on a failing destination

}  // namespace

std::chrono::seconds base_backoff(std::uint32_t attempts_so_far, const RetrySettings& settings) {
    const double minimal = static_cast<double>(settings.minimal_backoff.count());
    const double maximal = static_cast<double>(settings.maximal_backoff.count());
    const double multiplier = std::max(1.0, settings.multiplier);
    // In doubles and stopped at the cap, so attempt 10'000 neither overflows nor loops long.
    double wait = minimal;
    for (std::uint32_t attempt = 1; attempt < attempts_so_far && wait < maximal; ++attempt)
        wait *= multiplier;
    wait = std::min(wait, maximal);
    return std::max(min_wait, std::chrono::seconds(static_cast<std::int64_t>(std::llround(wait))));
}

std::chrono::seconds jittered_backoff(std::uint32_t attempts_so_far, const RetrySettings& settings,
                                      double jitter_draw) {
    auto base = base_backoff(attempts_so_far, settings);
    double jitter = std::clamp(settings.jitter, 0.0, 1.0);
    double draw = std::isfinite(jitter_draw) ? std::clamp(jitter_draw, -1.0, 1.0) : 0.0;
    double wait = static_cast<double>(base.count()) * (1.0 + draw * jitter);
    auto seconds = std::chrono::seconds(static_cast<std::int64_t>(std::llround(wait)));
    // The cap is a promise to operators ("never longer than maximal_backoff"): jitter stays under
    // it.
    auto cap = std::max(settings.maximal_backoff, min_wait);
    return std::clamp(seconds, min_wait, cap);
}

bool expired(WallClock::time_point received_at, WallClock::time_point now,
             const RetrySettings& settings, bool is_bounce) {
    auto lifetime = is_bounce ? settings.bounce_queue_lifetime : settings.maximal_queue_lifetime;
    return now - received_at >= lifetime;
}

}  // namespace relaylab::relay
