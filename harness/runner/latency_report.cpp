#include "harness/runner/latency_report.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace relaylab::runner {

namespace {

double ms(double us) {
    return std::round(us / 10.0) / 100.0;
}  // two decimals

}  // namespace

nlohmann::json summary_json(const load::LatencyHistogram& h) {
    load::LatencySummary s = h.summary();
    return {{"count", s.count}, {"mean", ms(h.mean())}, {"p50", s.p50}, {"p90", s.p90},
            {"p99", s.p99},     {"p999", s.p999},       {"max", s.max}};
}

nlohmann::json coarse_buckets(const load::LatencyHistogram& h) {
    nlohmann::json out = nlohmann::json::array();
    if (h.empty()) return out;
    std::vector<double> bounds_ms;
    for (double decade = 0.1; decade <= 3.6e6; decade *= 10)
        for (double m : {1.0, 2.0, 5.0})
            bounds_ms.push_back(decade * m);
    std::vector<std::uint64_t> counts(bounds_ms.size() + 1, 0);
    nlohmann::json full = h.to_json();
    for (const auto& bucket : full["buckets"]) {
        double value_ms = bucket[0].get<double>() / 1000.0;
        auto count = bucket[1].get<std::uint64_t>();
        auto it = std::lower_bound(bounds_ms.begin(), bounds_ms.end(), value_ms);
        counts[static_cast<std::size_t>(it - bounds_ms.begin())] += count;
    }
    std::size_t first = 0, last = counts.size();
    while (first < counts.size() && counts[first] == 0)
        ++first;
    while (last > first && counts[last - 1] == 0)
        --last;
    for (std::size_t i = first; i < last; ++i) {
        double le = i < bounds_ms.size() ? bounds_ms[i] : 3.6e6;
        out.push_back({{"le", std::round(le * 10) / 10}, {"count", counts[i]}});
    }
    return out;
}

}  // namespace relaylab::runner
