// When a deferred message is tried again, and when it has waited too long. Postfix's model: the
// first retry after minimal_backoff_time, each later wait `multiplier` times the one before, never
// more than maximal_backoff_time; a message older than maximal_queue_lifetime (DSNs we made:
// bounce_queue_lifetime) is bounced as expired instead of retried (RFC 5321 4.5.4.1 asks for
// give-up times of 4-5 days).
//
// Jitter spreads the retries of mail deferred together (a greylisting MX, an outage) so they do
// not come back in one burst: each wait is multiplied by a factor drawn from [1 - j, 1 + j],
// and the jittered wait still never exceeds maximal_backoff nor falls under 1 s.
// Sans-I/O: the time and the random draw are arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "harness/relay/config/relay_config.hpp"

namespace relaylab::relay {

using WallClock = std::chrono::system_clock;

// The wait before the next attempt, after `attempts_so_far` failed attempts (1 after the first
// failure), without jitter: minimal_backoff * multiplier^(attempts_so_far - 1), capped.
std::chrono::seconds base_backoff(std::uint32_t attempts_so_far, const RetrySettings& settings);

// The wait with jitter; `jitter_draw` in [-1, 1] picks the factor 1 + draw * settings.jitter.
std::chrono::seconds jittered_backoff(std::uint32_t attempts_so_far, const RetrySettings& settings,
                                      double jitter_draw);

// When to try again: now + the jittered wait. `rng` is any standard random bit generator.
template <std::uniform_random_bit_generator Rng>
WallClock::time_point next_attempt(std::uint32_t attempts_so_far, WallClock::time_point now,
                                   const RetrySettings& settings, Rng& rng) {
    std::uniform_real_distribution<double> draw(-1.0, 1.0);
    return now + jittered_backoff(attempts_so_far, settings, draw(rng));
}

// True when a message received at `received_at` is past its lifetime at `now` and must be
// bounced (`is_bounce`: it is a DSN we made, which has the bounce lifetime and is never bounced
// again, only dropped).
bool expired(WallClock::time_point received_at, WallClock::time_point now,
             const RetrySettings& settings, bool is_bounce);

}  // namespace relaylab::relay
