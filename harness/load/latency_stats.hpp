// Percentiles over recorded latencies (nearest-rank, RFC 2330 style: no interpolation, so a
// reported p99 is a latency that was actually observed).
#pragma once

#include <cstdint>
#include <vector>

namespace relaylab::load {

struct LatencySummary {
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double p999 = 0;
    double max = 0;
    std::uint64_t count = 0;
};

// Values in microseconds in, milliseconds out. Sorts `samples`.
LatencySummary summarize(std::vector<std::uint32_t>& samples_us);

}  // namespace relaylab::load
