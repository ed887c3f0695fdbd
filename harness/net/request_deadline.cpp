#include "harness/net/request_deadline.hpp"

#include <algorithm>

namespace relaylab::net {

RequestDeadline::Clock::time_point RequestDeadline::before_read(Clock::time_point now,
                                                                Clock::duration limit) {
    auto furthest = now + limit;
    if (!deadline_ || min_rate_ == 0) deadline_ = furthest;
    deadline_ = std::min(*deadline_, furthest);
    return *deadline_;
}

void RequestDeadline::received(std::size_t bytes) {
    if (!deadline_ || min_rate_ == 0) return;
    *deadline_ += std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(bytes) / min_rate_));
}

}  // namespace relaylab::net
