// The latency histogram against exact nearest-rank percentiles: accuracy within 0.1%, merge
// equals recording everything, JSON round trips, huge counts, out-of-range values.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "harness/load/latency_histogram.hpp"

using relaylab::load::HistogramJsonError;
using relaylab::load::LatencyHistogram;
using relaylab::load::nearest_rank;

namespace {

constexpr double quantiles[] = {0.0, 0.01, 0.1,  0.25,  0.5,    0.75,
                                0.9, 0.95, 0.99, 0.999, 0.9999, 1.0};

std::uint64_t exact_at(std::vector<std::uint64_t> sorted, double q) {
    return sorted[nearest_rank(q, sorted.size()) - 1];
}

// Latency-like samples: a log-normal body (hundreds of µs) with a heavy tail up to minutes.
std::vector<std::uint64_t> latency_samples(std::mt19937_64& rng, std::size_t n) {
    std::lognormal_distribution<double> body(6.0, 1.5);
    std::uniform_int_distribution<std::uint64_t> tail(1, 600'000'000);
    std::bernoulli_distribution in_tail(0.01);
    std::vector<std::uint64_t> samples;
    samples.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        samples.push_back(in_tail(rng) ? tail(rng)
                                       : static_cast<std::uint64_t>(std::min(body(rng), 3.0e9)));
    }
    return samples;
}

}  // namespace

TEST_CASE("nearest rank is integer exact for the quantiles reports use", "[load][histogram]") {
    CHECK(nearest_rank(0.9, 10) == 9);  // a double product would say 9.000000000000002 -> 10
    CHECK(nearest_rank(0.5, 10) == 5);
    CHECK(nearest_rank(0.999, 1000) == 999);
    CHECK(nearest_rank(0.99, 1) == 1);
    CHECK(nearest_rank(0.0, 7) == 1);
    CHECK(nearest_rank(1.0, 7) == 7);
    CHECK(nearest_rank(0.5, 0) == 0);
    CHECK(nearest_rank(0.5, UINT64_MAX) == UINT64_MAX / 2 + 1);
}

TEST_CASE("bucket layout: contiguous, at most 1/1024 wide, reaches one hour", "[load][histogram]") {
    CHECK(LatencyHistogram::index_of(0) == 0);
    CHECK(LatencyHistogram::index_of(2047) == 2047);
    for (std::size_t i = 0; i + 1 < LatencyHistogram::index_count; ++i) {
        std::uint64_t low = LatencyHistogram::lowest_value_at(i);
        std::uint64_t high = LatencyHistogram::highest_value_at(i);
        INFO("index " << i << " [" << low << ", " << high << "]");
        REQUIRE(LatencyHistogram::index_of(low) == i);
        REQUIRE(LatencyHistogram::index_of(high) == i);
        REQUIRE(LatencyHistogram::lowest_value_at(i + 1) == high + 1);
        REQUIRE(static_cast<double>(high - low) <= static_cast<double>(low) / 1024.0 + 1e-9);
    }
    CHECK(LatencyHistogram::index_of(LatencyHistogram::max_trackable_us) <
          LatencyHistogram::index_count);
}

TEST_CASE("percentiles within 0.1% of exact nearest-rank values on random data",
          "[load][histogram]") {
    std::mt19937_64 rng(GENERATE(1u, 2u, 3u, 42u));
    std::size_t n = GENERATE(1u, 2u, 10u, 999u, 100'000u);
    std::vector<std::uint64_t> samples = latency_samples(rng, n);
    LatencyHistogram histogram;
    for (auto value : samples)
        histogram.record(static_cast<std::int64_t>(value));
    std::sort(samples.begin(), samples.end());
    REQUIRE(histogram.count() == n);
    CHECK(histogram.min() == samples.front());
    CHECK(histogram.max() == samples.back());
    for (double q : quantiles) {
        std::uint64_t exact = exact_at(samples, q);
        std::uint64_t got = histogram.value_at_quantile(q);
        INFO("n " << n << " q " << q << ": got " << got << ", want " << exact);
        CHECK(got >= exact);  // never under-reports a latency
        CHECK(static_cast<double>(got - exact) <= 0.001 * static_cast<double>(exact));
    }
    auto summary = histogram.summary();
    CHECK(summary.count == n);
    CHECK(summary.max == static_cast<double>(samples.back()) / 1000.0);
}

TEST_CASE("uniform values over the whole range stay within 0.1%", "[load][histogram]") {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> any(0, LatencyHistogram::max_trackable_us);
    std::vector<std::uint64_t> samples;
    LatencyHistogram histogram;
    for (int i = 0; i < 50'000; ++i) {
        samples.push_back(any(rng));
        histogram.record(static_cast<std::int64_t>(samples.back()));
    }
    std::sort(samples.begin(), samples.end());
    for (double q : quantiles) {
        std::uint64_t exact = exact_at(samples, q);
        std::uint64_t got = histogram.value_at_quantile(q);
        INFO("q " << q << ": got " << got << ", want " << exact);
        CHECK(static_cast<double>(got - exact) <= 0.001 * static_cast<double>(exact));
    }
}

TEST_CASE("merging histograms equals recording everything in one", "[load][histogram]") {
    std::mt19937_64 rng(11);
    LatencyHistogram all, parts[3], merged;
    for (int i = 0; i < 30'000; ++i) {
        auto samples = latency_samples(rng, 1);
        all.record(static_cast<std::int64_t>(samples[0]));
        parts[i % 3].record(static_cast<std::int64_t>(samples[0]));
    }
    all.record(-5);  // out of range values merge too
    parts[1].record(-5);
    for (const auto& part : parts)
        merged.merge(part);
    CHECK(merged == all);
    CHECK(merged.count() == 30'001);
    CHECK(merged.below_range() == 1);
    for (double q : quantiles)
        CHECK(merged.value_at_quantile(q) == all.value_at_quantile(q));
    CHECK(merged.mean() == Approx(all.mean()));
    LatencyHistogram empty;
    merged.merge(empty);
    CHECK(merged == all);
    empty.merge(all);
    CHECK(empty == all);
}

TEST_CASE("JSON round trip keeps every bucket; only non-empty buckets are written",
          "[load][histogram]") {
    std::mt19937_64 rng(5);
    LatencyHistogram histogram;
    for (auto value : latency_samples(rng, 20'000))
        histogram.record(static_cast<std::int64_t>(value));
    histogram.record(LatencyHistogram::max_trackable_us + 1);
    nlohmann::json json = histogram.to_json();
    CHECK(json["schema"] == "relaylab.histogram/1");
    CHECK(json["buckets"].size() < 20'000);
    for (const auto& bucket : json["buckets"])
        CHECK(bucket[1].get<std::uint64_t>() > 0);
    // Through text, as between processes.
    auto back = LatencyHistogram::from_json(nlohmann::json::parse(json.dump()));
    REQUIRE(back);
    CHECK(*back == histogram);
    CHECK(back->above_range() == 1);
    CHECK(back->value_at_quantile(0.99) == histogram.value_at_quantile(0.99));
    CHECK(back->mean() == Approx(histogram.mean()));

    LatencyHistogram empty;
    auto empty_back = LatencyHistogram::from_json(empty.to_json());
    REQUIRE(empty_back);
    CHECK(empty_back->empty());
    CHECK(empty.to_json()["buckets"].empty());
}

TEST_CASE("bad JSON is refused with the error and where", "[load][histogram]") {
    LatencyHistogram histogram;
    histogram.record(1500);
    histogram.record(123'456);
    nlohmann::json good = histogram.to_json();
    struct Case {
        const char* label;
        std::function<void(nlohmann::json&)> damage;
        HistogramJsonError error;
        std::string where;
    };
    std::vector<Case> cases = {
        {"array", [](auto& j) { j = nlohmann::json::array(); }, HistogramJsonError::not_an_object,
         ""},
        {"schema", [](auto& j) { j["schema"] = "hdr/2"; }, HistogramJsonError::unknown_schema,
         "/schema"},
        {"digits", [](auto& j) { j["significant_digits"] = 2; },
         HistogramJsonError::incompatible_layout, ""},
        {"count type", [](auto& j) { j["count"] = "2"; }, HistogramJsonError::bad_field, "/count"},
        {"negative max", [](auto& j) { j["max"] = -1; }, HistogramJsonError::bad_field, "/max"},
        {"not a bucket boundary", [](auto& j) { j["buckets"][1][0] = 123'457; },
         HistogramJsonError::bad_bucket, "/buckets/1"},
        {"zero count", [](auto& j) { j["buckets"][0][1] = 0; }, HistogramJsonError::bad_bucket,
         "/buckets/0"},
        {"beyond range", [](auto& j) { j["buckets"][1][0] = 4'000'000'000ull; },
         HistogramJsonError::bad_bucket, "/buckets/1"},
        {"count mismatch", [](auto& j) { j["count"] = 3; }, HistogramJsonError::counts_disagree,
         "/count"},
    };
    for (const auto& c : cases) {
        nlohmann::json damaged = good;
        c.damage(damaged);
        HistogramJsonError error = HistogramJsonError::none;
        std::string where = "unset";
        INFO(c.label);
        CHECK_FALSE(LatencyHistogram::from_json(damaged, &error, &where));
        CHECK(error == c.error);
        CHECK(where == c.where);
        CHECK_FALSE(relaylab::load::describe(error).empty());
    }
}

TEST_CASE("huge counts: exact totals and percentiles, saturation instead of overflow",
          "[load][histogram]") {
    LatencyHistogram histogram;
    constexpr std::uint64_t big = std::uint64_t{1} << 61;
    histogram.record(100, big);        // 2^61 samples of 100 µs
    histogram.record(5'000'000, big);  // and 2^61 of 5 s
    histogram.record(5'000'000, big);  // 2^62 at 5 s in all
    CHECK(histogram.count() == 3 * big);
    CHECK(histogram.value_at_quantile(0.33) == 100);
    CHECK(histogram.value_at_quantile(0.34) == 5'000'000);  // the bucket's top, capped at max
    CHECK(histogram.mean() == Approx((100.0 + 2 * 5'000'000.0) / 3));
    auto back = LatencyHistogram::from_json(nlohmann::json::parse(histogram.to_json().dump()));
    REQUIRE(back);
    CHECK(*back == histogram);
    LatencyHistogram doubled = histogram;
    doubled.merge(histogram);
    doubled.merge(histogram);  // 9 * 2^61 > 2^64: saturates, never wraps around to a small number
    CHECK(doubled.count() == UINT64_MAX);
    CHECK(doubled.value_at_quantile(0.5) >= 100);
}

TEST_CASE("values outside the range are clamped and counted, never dropped", "[load][histogram]") {
    LatencyHistogram histogram;
    histogram.record(-1);
    histogram.record(-1'000'000, 2);
    histogram.record(0);
    histogram.record(LatencyHistogram::max_trackable_us);
    histogram.record(LatencyHistogram::max_trackable_us + 1);
    histogram.record(INT64_MAX, 3);
    CHECK(histogram.count() == 9);
    CHECK(histogram.below_range() == 3);
    CHECK(histogram.above_range() == 4);
    CHECK(histogram.min() == 0);
    CHECK(histogram.max() == LatencyHistogram::max_trackable_us);
    CHECK(histogram.value_at_quantile(0.0) == 0);
    CHECK(histogram.value_at_quantile(1.0) == LatencyHistogram::max_trackable_us);
    histogram.record(5, 0);  // a zero count records nothing
    CHECK(histogram.count() == 9);
    histogram.reset();
    CHECK(histogram.empty());
    CHECK(histogram.value_at_quantile(0.5) == 0);
    CHECK(histogram.summary().p99 == 0);
}
