// The compact histogram shard reports carry: it round-trips exactly (the merge adds what the
// shards measured, bucket for bucket), is a fraction of the plain form's size, and hostile
// encodings are refused with a reason instead of being read as something else.
#include <random>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "harness/load/latency_histogram.hpp"

using relaylab::load::HistogramJsonError;
using relaylab::load::LatencyHistogram;

namespace {

LatencyHistogram lognormal_samples(std::size_t count, unsigned seed) {
    std::mt19937_64 random(seed);
    std::lognormal_distribution<double> latency_us(std::log(3000.0), 1.2);
    LatencyHistogram h;
    for (std::size_t i = 0; i < count; ++i)
        h.record(static_cast<std::int64_t>(latency_us(random)));
    return h;
}

HistogramJsonError error_of(const nlohmann::json& json) {
    HistogramJsonError error = HistogramJsonError::none;
    CHECK_FALSE(LatencyHistogram::from_json(json, &error));
    return error;
}

}  // namespace

TEST_CASE("compact histograms round-trip exactly and are smaller than the plain form") {
    LatencyHistogram h = lognormal_samples(100'000, 1);
    h.record(-5);                                      // below range, clamped
    h.record(LatencyHistogram::max_trackable_us + 9);  // above range, clamped
    nlohmann::json compact = h.to_json(true);
    CHECK(compact["encoding"] == "delta-leb128-base64");
    CHECK(compact["buckets"].is_string());
    auto back = LatencyHistogram::from_json(nlohmann::json::parse(compact.dump()));
    REQUIRE(back);
    CHECK(*back == h);
    CHECK(back->summary().p99 == h.summary().p99);
    CHECK(back->mean() == Approx(h.mean()));
    CHECK(compact.dump().size() * 3 < h.to_json().dump().size());

    LatencyHistogram empty;
    auto empty_back = LatencyHistogram::from_json(empty.to_json(true));
    REQUIRE(empty_back);
    CHECK(empty_back->empty());
}

TEST_CASE("shards' compact histograms merge to the single histogram of all samples") {
    std::mt19937_64 random(7);
    std::lognormal_distribution<double> latency_us(std::log(800.0), 1.5);
    LatencyHistogram whole;
    std::vector<LatencyHistogram> shards(4);
    for (int i = 0; i < 50'000; ++i) {
        auto value = static_cast<std::int64_t>(latency_us(random));
        whole.record(value);
        shards[static_cast<std::size_t>(i % 4)].record(value);
    }
    LatencyHistogram merged;
    for (const auto& shard : shards) {
        auto decoded = LatencyHistogram::from_json(shard.to_json(true));
        REQUIRE(decoded);
        merged.merge(*decoded);
    }
    CHECK(merged == whole);
    CHECK(merged.summary().p50 == whole.summary().p50);
    CHECK(merged.summary().p999 == whole.summary().p999);
}

TEST_CASE("hostile compact encodings are refused") {
    LatencyHistogram h;
    h.record(100);
    h.record(5000, 3);
    nlohmann::json good = h.to_json(true);
    REQUIRE(LatencyHistogram::from_json(good));

    auto with = [&](const char* key, nlohmann::json value) {
        nlohmann::json copy = good;
        copy[key] = std::move(value);
        return copy;
    };
    CHECK(error_of(with("encoding", "gzip")) == HistogramJsonError::bad_encoding);
    CHECK(error_of(with("buckets", 12)) == HistogramJsonError::bad_encoding);
    // Not base64: wrong length, alphabet, padding in the middle, bits past the data.
    for (const char* bad : {"ZA", "Z!==", "ZA==ZA==", "ZB==", "=AAA"}) {
        INFO(bad);
        CHECK(error_of(with("buckets", bad)) == HistogramJsonError::bad_encoding);
    }
    // A varint that never ends (0xFF 0xFF 0xFF) and one past 64 bits.
    CHECK(error_of(with("buckets", "////")) == HistogramJsonError::bad_encoding);
    CHECK(error_of(with("buckets", "/////////////w==")) == HistogramJsonError::bad_encoding);
    // Index delta 0 after the first bucket (AQEAAQ==: (1,1),(0,1)); a zero count (AQA=: (1,0));
    // an index past the layout (a delta of 2^20).
    CHECK(error_of(with("buckets", "AQEAAQ==")) == HistogramJsonError::bad_encoding);
    CHECK(error_of(with("buckets", "AQA=")) == HistogramJsonError::bad_encoding);
    CHECK(error_of(with("buckets", "gIBAAQ==")) == HistogramJsonError::bad_encoding);
    // Counts that disagree with "count".
    CHECK(error_of(with("count", 5)) == HistogramJsonError::counts_disagree);
}
