// The delivery rate shaper of one destination: max_messages_per_second and
// max_messages_per_minute as two token buckets; a message goes when both have a token. Either
// rate may be 0 (that bucket is off). Sans-I/O: the time is an argument, and take() says how long
// to wait, so the caller sets one timer instead of polling. Not thread-safe: one per destination,
// used by whoever owns that destination's queue.
//
// Capacities (the burst after an idle spell):
//   per second: max(1, rate) tokens, so "10/s" may send 10 at once after a pause;
//   per minute: max(1, rate / 60) tokens, one second's worth. A provider's quota of "N per
//     minute" holds for every 60 s window (at most N + N/60 sent in any window), where a full
//     minute's burst would allow nearly 2N.
// A new shaper holds one token, not a full bucket: a relay that just started (or a destination
// just created) has saved nothing up, so arrivals follow the rate from the first message.
#pragma once

#include <chrono>
#include <optional>

namespace relaylab::relay {

class TokenBucket {
  public:
    using Clock = std::chrono::steady_clock;

    TokenBucket(double messages_per_second, double messages_per_minute);

    // nullopt: a token was taken, send now. Otherwise nothing was taken and the duration is how
    // long until a token will be there (ask again then).
    std::optional<Clock::duration> take(Clock::time_point now);

    bool unshaped() const { return !second_.on() && !minute_.on(); }

  private:
    struct Bucket {
        double rate_per_second = 0;  // 0: off
        double capacity = 1;
        double tokens = 1;

        bool on() const { return rate_per_second > 0; }
        void refill(double elapsed_seconds);
        double wait_seconds() const;  // until one token is there
    };

    Bucket second_;
    Bucket minute_;
    std::optional<Clock::time_point> last_;
};

}  // namespace relaylab::relay
