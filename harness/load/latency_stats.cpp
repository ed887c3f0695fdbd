#include "harness/load/latency_stats.hpp"

#include <algorithm>
#include <cmath>

namespace relaylab::load {

LatencySummary summarize(std::vector<std::uint32_t>& samples_us) {
    LatencySummary summary;
    summary.count = samples_us.size();
    if (samples_us.empty()) return summary;
    std::sort(samples_us.begin(), samples_us.end());
    auto rank = [&](double p) {
        auto index =
            static_cast<std::size_t>(std::ceil(p * static_cast<double>(samples_us.size())));
        index = std::clamp<std::size_t>(index, 1, samples_us.size()) - 1;
        return samples_us[index] / 1000.0;
    };
    summary.p50 = rank(0.50);
    summary.p90 = rank(0.90);
    summary.p99 = rank(0.99);
    summary.p999 = rank(0.999);
    summary.max = samples_us.back() / 1000.0;
    return summary;
}

}  // namespace relaylab::load
