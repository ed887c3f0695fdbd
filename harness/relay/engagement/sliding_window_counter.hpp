// How many events happened in the last `window`, in bounded memory: the window is cut into a
// fixed number of buckets (a minute each for an hour, at least a second), so a sender's count
// costs the same whether it sent 3 messages or 3 million. Sans-I/O: the time is an argument,
// so tests move a clock instead of sleeping.
//
// Granularity: an event is forgotten when its whole bucket has left the window, i.e. between
// `window` and `window + bucket_width` after it. A quota therefore errs on the strict side by
// at most one bucket width; it never lets a burst through early.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace relaylab::relay {

inline constexpr std::size_t default_window_buckets = 60;

class SlidingWindowCounter {
  public:
    using Clock = std::chrono::steady_clock;

    // `window` at least 1s; bucket width max(1s, window / buckets).
    explicit SlidingWindowCounter(std::chrono::seconds window,
                                  std::size_t buckets = default_window_buckets);

    void add(Clock::time_point now, std::uint64_t events = 1);
    std::uint64_t count(Clock::time_point now) const;
    // How long from `now` until count() drops below `limit` without new events (zero when it
    // is below already), rounded up to whole seconds.
    std::chrono::seconds until_below(Clock::time_point now, std::uint64_t limit) const;

    std::chrono::seconds bucket_width() const { return width_; }

  private:
    struct Bucket {
        std::int64_t index = -1;  // which width-long slice of time it counts; -1: never used
        std::uint64_t events = 0;
    };
    std::int64_t index_of(Clock::time_point now) const;
    bool live(const Bucket& bucket, std::int64_t current) const;

    std::chrono::seconds width_;
    std::int64_t span_ = 1;        // whole buckets in the window
    std::vector<Bucket> buckets_;  // a ring of span_ + 1
};

}  // namespace relaylab::relay
