// When each message of an open loop is due, as an offset from the run's start: constant
// spacing or Poisson arrivals, optionally behind a linear ramp-up. Sans-I/O: the generator
// (load_generator.cpp) turns offsets into timer deadlines, the tests read them directly.
//
// Poisson gaps are drawn from (seed, n) (counter_hash.hpp) and message n is due at the sum of
// the gaps 1..n, so every shard computes the same schedule: a shard walks every number in order
// (one gap each: O(1) per message of the run) and keeps the offsets of its own.
#pragma once

#include <chrono>
#include <cstdint>

namespace relaylab::load {

using Seconds = std::chrono::duration<double>;

struct ArrivalPattern {
    double rate = 1;  // msgs/s once at full rate (> 0)
    bool poisson = false;
    std::uint64_t seed = 1;
    Seconds ramp_up{0};  // the rate climbs linearly from 0 to `rate` over this long
};

// The gap before message n (from 1) of a Poisson process: exponential with mean 1/rate, from
// a uniform draw in (0, 1] so that it is always finite.
Seconds poisson_gap(std::uint64_t seed, std::uint64_t n, double rate);

// Where an arrival lands that a constant full rate would place at `steady` after the start,
// when the rate instead climbs linearly from 0 over `ramp_up`. The arrivals before t number
// rate * t^2 / (2 ramp_up) during the ramp (the integral of the rate), so t = sqrt(2 ramp_up
// steady) while steady <= ramp_up / 2, and the schedule runs ramp_up / 2 late after it. Applied
// to Poisson arrivals too: a time change of the process (its expected count up to t matches
// the ramped rate's integral).
Seconds ramped_offset(Seconds steady, Seconds ramp_up);

// One shard's arrivals, in order: shard `index` of `of` owns the numbers n with
// (n - 1) mod of == index (as LoadPlan::shard).
class ArrivalWalk {
  public:
    ArrivalWalk(const ArrivalPattern& pattern, unsigned index = 0, unsigned of = 1);
    // The offset of this shard's next message; number() says which one it is.
    Seconds next();
    std::uint64_t number() const { return number_; }

  private:
    ArrivalPattern pattern_;
    unsigned index_;
    unsigned of_;
    std::uint64_t number_ = 0;  // the last number whose offset next() returned
    std::uint64_t summed_ = 0;  // Poisson: gaps 1..summed_ are in `sum_`
    double sum_ = 0;
};

}  // namespace relaylab::load
