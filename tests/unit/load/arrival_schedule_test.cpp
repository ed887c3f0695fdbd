// Open-loop arrival schedules (harness/load/arrival_schedule.hpp): constant spacing, Poisson
// gaps drawn from (seed, n) with the right mean and spread, the same schedule for the same
// seed and in every shard, and the linear ramp-up's closed form.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "harness/load/arrival_schedule.hpp"

using namespace relaylab::load;

namespace {

std::vector<double> offsets(const ArrivalPattern& pattern, std::size_t count, unsigned index = 0,
                            unsigned of = 1) {
    ArrivalWalk walk(pattern, index, of);
    std::vector<double> out;
    for (std::size_t k = 0; k < count; ++k)
        out.push_back(walk.next().count());
    return out;
}

ArrivalPattern poisson(double rate, std::uint64_t seed) {
    ArrivalPattern pattern;
    pattern.rate = rate;
    pattern.poisson = true;
    pattern.seed = seed;
    return pattern;
}

}  // namespace

TEST_CASE("constant arrivals: message n at (n - 1) / rate", "[load][schedule]") {
    ArrivalPattern pattern;
    pattern.rate = 250;
    ArrivalWalk walk(pattern);
    for (std::uint64_t n = 1; n <= 1000; ++n) {
        double offset = walk.next().count();
        INFO("n " << n);
        REQUIRE(walk.number() == n);
        // Computed, not summed: exact whatever n.
        REQUIRE(offset == static_cast<double>(n - 1) / 250.0);
    }
}

TEST_CASE("Poisson gaps: exponential with mean 1/rate", "[load][schedule]") {
    constexpr std::size_t draws = 10'000;
    double rate = GENERATE(10.0, 500.0, 20'000.0);
    std::uint64_t seed = GENERATE(1u, 42u);
    auto times = offsets(poisson(rate, seed), draws);
    double sum = 0, sum_sq = 0, previous = 0;
    std::size_t short_gaps = 0;
    for (double t : times) {
        double gap = t - previous;
        REQUIRE(gap >= 0);
        sum += gap;
        sum_sq += gap * gap;
        if (gap < std::log(2.0) / rate) ++short_gaps;  // below the median of the exponential
        previous = t;
    }
    double mean = sum / draws;
    double deviation = std::sqrt(sum_sq / draws - mean * mean);
    INFO("rate " << rate << ", seed " << seed << ": mean gap " << mean << ", sd " << deviation);
    CHECK(mean == Approx(1.0 / rate).epsilon(0.05));
    // What tells an exponential from a constant spacing: its deviation equals its mean, and
    // half of the gaps are below ln 2 / rate.
    CHECK(deviation == Approx(1.0 / rate).epsilon(0.05));
    CHECK(static_cast<double>(short_gaps) / draws == Approx(0.5).margin(0.02));
}

TEST_CASE("Poisson schedule: same seed, same schedule; another seed, another", "[load][schedule]") {
    auto first = offsets(poisson(100, 7), 2000);
    auto again = offsets(poisson(100, 7), 2000);
    auto other = offsets(poisson(100, 8), 2000);
    CHECK(first == again);
    std::size_t same = 0;
    for (std::size_t k = 0; k < first.size(); ++k)
        same += first[k] == other[k];
    CHECK(same == 0);
}

TEST_CASE("every shard computes the whole run's schedule for its own numbers", "[load][schedule]") {
    auto pattern = poisson(300, 99);
    pattern.ramp_up = std::chrono::seconds(2);
    constexpr std::size_t count = 3000;
    auto whole = offsets(pattern, count);
    unsigned of = GENERATE(2u, 3u, 7u);
    for (unsigned index = 0; index < of; ++index) {
        ArrivalWalk walk(pattern, index, of);
        for (std::uint64_t n = index + 1; n <= count; n += of) {
            double offset = walk.next().count();
            INFO("shard " << index << " of " << of << ", n " << n);
            REQUIRE(walk.number() == n);
            REQUIRE(offset == whole[n - 1]);  // the very same double: same sums, same order
        }
    }
}

TEST_CASE("ramp-up: the rate climbs linearly, then the schedule runs ramp/2 late",
          "[load][schedule]") {
    ArrivalPattern pattern;
    pattern.rate = 100;
    pattern.ramp_up = std::chrono::seconds(2);
    auto times = offsets(pattern, 401);
    SECTION("the closed form") {
        // During the ramp t = sqrt(2 R s) for the steady offset s = (n - 1) / rate.
        CHECK(times[0] == 0.0);
        CHECK(times[25] == Approx(1.0));   // s = 0.25: sqrt(2 * 2 * 0.25)
        CHECK(times[100] == Approx(2.0));  // s = 1 = R/2: the ramp ends
        CHECK(times[200] == Approx(3.0));  // s = 2: 2 + R/2
        CHECK(times[400] == Approx(5.0));
    }
    SECTION("arrivals before t are rate t^2 / 2R during the ramp") {
        for (double t : {0.5, 1.0, 1.5, 2.0}) {
            auto before = std::count_if(times.begin(), times.end(),
                                        [t](double offset) { return offset < t - 1e-9; });
            INFO("t " << t);
            CHECK(static_cast<double>(before) == Approx(100 * t * t / 4).margin(1));
        }
    }
    SECTION("gaps shrink during the ramp and are 1/rate after it") {
        for (std::size_t k = 2; k < 100; ++k)
            CHECK(times[k] - times[k - 1] < times[k - 1] - times[k - 2]);
        for (std::size_t k = 101; k < times.size(); ++k)
            CHECK(times[k] - times[k - 1] == Approx(0.01));
    }
}

TEST_CASE("ramp-up with Poisson arrivals: the ramp's expected count", "[load][schedule]") {
    // 1000/s ramped over 10 s: 5000 arrivals expected in the ramp (sd about 71), 1000 in each
    // second after it.
    auto pattern = poisson(1000, 3);
    pattern.ramp_up = std::chrono::seconds(10);
    auto times = offsets(pattern, 12'000);
    auto before = [&](double t) {
        return static_cast<double>(
            std::count_if(times.begin(), times.end(), [t](double offset) { return offset < t; }));
    };
    CHECK(before(5) == Approx(1250).epsilon(0.1));
    CHECK(before(10) == Approx(5000).epsilon(0.05));
    CHECK(before(12) - before(10) == Approx(2000).epsilon(0.1));
}
