#include "harness/load/arrival_schedule.hpp"

#include <cmath>

#include "harness/load/counter_hash.hpp"

namespace relaylab::load {

Seconds poisson_gap(std::uint64_t seed, std::uint64_t n, double rate) {
    double uniform = unit_open_closed(counter_hash(seed, DrawPurpose::arrival_gap, n));
    return Seconds(-std::log(uniform) / rate);
}

Seconds ramped_offset(Seconds steady, Seconds ramp_up) {
    if (!(ramp_up.count() > 0)) return steady;
    if (steady <= ramp_up / 2) return Seconds(std::sqrt(2 * ramp_up.count() * steady.count()));
    return steady + ramp_up / 2;
}

ArrivalWalk::ArrivalWalk(const ArrivalPattern& pattern, unsigned index, unsigned of)
    : pattern_(pattern), index_(index), of_(of == 0 ? 1 : of) {}

Seconds ArrivalWalk::next() {
    number_ = number_ == 0 ? std::uint64_t{index_} + 1 : number_ + of_;
    Seconds steady;
    if (pattern_.poisson) {
        // A running sum, walked in order: the same additions in the same order on every shard,
        // so shards agree to the last bit.
        while (summed_ < number_) {
            ++summed_;
            sum_ += poisson_gap(pattern_.seed, summed_, pattern_.rate).count();
        }
        steady = Seconds(sum_);
    } else {
        // Message 1 at the start, then one every 1/rate: computed, not summed, so no rounding
        // drift over a long run.
        steady = Seconds(static_cast<double>(number_ - 1) / pattern_.rate);
    }
    return ramped_offset(steady, pattern_.ramp_up);
}

}  // namespace relaylab::load
