#include "harness/relay/engagement/sliding_window_counter.hpp"

#include <algorithm>

namespace relaylab::relay {

SlidingWindowCounter::SlidingWindowCounter(std::chrono::seconds window, std::size_t buckets) {
    window = std::max(window, std::chrono::seconds(1));
    buckets = std::max<std::size_t>(buckets, 1);
    width_ = std::max(std::chrono::seconds(1),
                      std::chrono::seconds(window.count() / static_cast<std::int64_t>(buckets)));
    // A window that does not divide evenly gets one bucket more, never a shorter window.
    span_ = (window.count() + width_.count() - 1) / width_.count();
    // The current bucket is partly in the future: the `span_` whole buckets before it are kept
    // as well, so the counted time is never shorter than the window.
    buckets_.resize(static_cast<std::size_t>(span_) + 1);
}

std::int64_t SlidingWindowCounter::index_of(Clock::time_point now) const {
    auto since = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    return since.count() / width_.count();
}

bool SlidingWindowCounter::live(const Bucket& bucket, std::int64_t current) const {
    return bucket.index >= 0 && bucket.index <= current && bucket.index >= current - span_;
}

void SlidingWindowCounter::add(Clock::time_point now, std::uint64_t events) {
    std::int64_t current = index_of(now);
    Bucket& bucket = buckets_[static_cast<std::size_t>(current) % buckets_.size()];
    if (bucket.index != current) bucket = Bucket{current, 0};
    bucket.events += events;
}

std::uint64_t SlidingWindowCounter::count(Clock::time_point now) const {
    std::int64_t current = index_of(now);
    std::uint64_t total = 0;
    for (const Bucket& bucket : buckets_)
        if (live(bucket, current)) total += bucket.events;
    return total;
}

std::chrono::seconds SlidingWindowCounter::until_below(Clock::time_point now,
                                                       std::uint64_t limit) const {
    std::int64_t current = index_of(now);
    std::vector<const Bucket*> oldest_first;
    std::uint64_t total = 0;
    for (const Bucket& bucket : buckets_) {
        if (!live(bucket, current)) continue;
        oldest_first.push_back(&bucket);
        total += bucket.events;
    }
    if (total < limit) return std::chrono::seconds(0);
    std::sort(oldest_first.begin(), oldest_first.end(),
              [](const Bucket* a, const Bucket* b) { return a->index < b->index; });
    auto since = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    for (const Bucket* bucket : oldest_first) {
        total -= bucket->events;
        if (total < limit) {
            // It stops counting when the slice span_ + 1 slices after it begins.
            std::int64_t leaves = (bucket->index + span_ + 1) * width_.count();
            return std::chrono::seconds(std::max<std::int64_t>(1, leaves - since.count()));
        }
    }
    return std::chrono::seconds(0);  // limit 0 would never be reached; not ours to promise
}

}  // namespace relaylab::relay
