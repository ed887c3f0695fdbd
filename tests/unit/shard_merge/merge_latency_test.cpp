// The precision test: the same recorded latencies split over shards' histograms give,
// merged, exactly the percentiles of one histogram of them all, within 1/1024 of the exact
// sorted-sample percentile; and a split where averaging the shards' percentiles would be far
// off shows the merge does not average.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "harness/runner/latency_report.hpp"
#include "shard_fixtures.hpp"

using relaylab::load::LatencyHistogram;
using relaylab::reports::merge_shard_reports;
using relaylab::test::as_input;
using relaylab::test::shard_report;
using relaylab::test::ShardSpec;

namespace {

// Latencies as mail has them: most fast, a long tail (lognormal, median about 20 ms).
std::vector<std::int64_t> lognormal_samples(std::size_t n) {
    std::mt19937_64 random(14);
    std::lognormal_distribution<double> latency(std::log(20'000.0), 1.2);
    std::vector<std::int64_t> samples(n);
    for (auto& sample : samples)
        sample = std::min<std::int64_t>(static_cast<std::int64_t>(latency(random)),
                                        LatencyHistogram::max_trackable_us);
    return samples;
}

double exact_ms(std::vector<std::int64_t> sorted, double quantile) {
    std::sort(sorted.begin(), sorted.end());
    const auto rank = relaylab::load::nearest_rank(quantile, sorted.size());
    return static_cast<double>(sorted[rank - 1]) / 1000;
}

}  // namespace

TEST_CASE("merged percentiles equal one histogram's of all samples, within 1/1024 of exact") {
    constexpr std::size_t shard_count = 4;
    const std::vector<std::int64_t> samples = lognormal_samples(100'000);
    LatencyHistogram single;
    std::vector<ShardSpec> specs(shard_count);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        single.record(samples[i]);
        // Unequal shards, as real ones are: every seventh sample to shard 3 on top of its turn.
        specs[i % 7 == 0 ? 3 : i % shard_count].end_to_end.record(samples[i]);
        specs[i % shard_count].submit.record(samples[i] / 10);
    }
    std::vector<relaylab::reports::ShardReport> shards;
    for (std::size_t i = 0; i < shard_count; ++i) {
        specs[i].index = i;
        specs[i].count = shard_count;
        shards.push_back(as_input(shard_report(specs[i])));
    }
    const auto merged = merge_shard_reports(shards).report;
    const nlohmann::json& e2e = merged["latency_ms"]["end_to_end"];
    CHECK(e2e == relaylab::runner::summary_json(single));
    CHECK(merged["latency_ms"]["histograms"]["end_to_end"] ==
          relaylab::runner::coarse_buckets(single));
    CHECK(e2e["count"] == samples.size());
    for (auto [key, quantile] : {std::pair{"p50", 0.5}, std::pair{"p99", 0.99},
                                 std::pair{"p999", 0.999}, std::pair{"max", 1.0}}) {
        const double exact = exact_ms(samples, quantile);
        const double reported = e2e[key].get<double>();
        INFO(key << ": reported " << reported << " ms, exact " << exact << " ms");
        // Never below the true value, at most 1/1024 above it (plus the report's 0.01 ms
        // rounding).
        CHECK(reported >= exact - 0.005);
        CHECK(reported <= exact + exact / 1024 + 0.005);
    }
}

TEST_CASE("percentiles come from the added histograms, never from averaged percentiles") {
    // Shard 0: 1,000 messages at 10 ms; shard 1: 1,000 at 1 s. The median of all 2,000 is
    // 10 ms (rank 1,000); the average of the two shards' medians would be 505 ms.
    ShardSpec fast, slow;
    fast.index = 0;
    slow.index = 1;
    fast.end_to_end.record(10'000, 1000);
    slow.end_to_end.record(1'000'000, 1000);
    const auto merged =
        merge_shard_reports({as_input(shard_report(fast)), as_input(shard_report(slow))}).report;
    const double p50 = merged["latency_ms"]["end_to_end"]["p50"].get<double>();
    CHECK(p50 >= 10.0);
    CHECK(p50 <= 10.0 + 10.0 / 1024 + 0.005);
    CHECK(merged["latency_ms"]["end_to_end"]["p90"].get<double>() >= 1000.0);
    CHECK(merged["latency_ms"]["end_to_end"]["max"].get<double>() == 1000.0);
    CHECK(merged["latency_ms"]["end_to_end"]["count"] == 2000);
}
