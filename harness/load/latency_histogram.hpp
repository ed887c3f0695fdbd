// A bounded, mergeable latency histogram in the manner of HdrHistogram: log-linear buckets
// that keep 3 significant decimal digits (every bucket is at most 1/1024 of its value wide)
// from 0 to one hour at microsecond resolution, in a fixed array whatever the number of samples.
// Reports print its percentiles; sharded runs and the runner add histograms together (merge),
// and JSON carries them between processes (only the non-empty buckets are written).
//
// Sans-I/O: no Asio, no clock. Not thread-safe: one histogram per thread, merged afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace relaylab::load {

// p50..max in milliseconds (what reports print), and how many samples they summarise.
struct LatencySummary {
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double p999 = 0;
    double max = 0;
    std::uint64_t count = 0;
};

// Nearest-rank (RFC 2330 style, no interpolation): the 1-based rank of the sample at quantile
// q in [0, 1] among `count`, so that a reported p99 is a latency that was observed (to within
// the bucket width). Exact for the quantiles reports use (0.5, 0.9, 0.99, 0.999).
std::uint64_t nearest_rank(double quantile, std::uint64_t count);

enum class HistogramJsonError {
    none,
    not_an_object,        // the value is not a JSON object
    unknown_schema,       // "schema" is not relaylab.histogram/1
    incompatible_layout,  // another unit, precision or range than this build's
    bad_field,            // a field is missing or has the wrong type / a negative value
    bad_bucket,           // a bucket is not [lowest value, count] with a bucket's lowest value
    counts_disagree,      // "count" is not the sum of the bucket counts
    bad_encoding,         // compact "buckets" that are not the encoding "encoding" names
};
std::string_view describe(HistogramJsonError error);

class LatencyHistogram {
  public:
    // The layout: values in microseconds, 0 .. one hour; 2048 linear sub-buckets (2 * 10^3
    // rounded up to a power of two: three significant digits), doubling buckets above.
    static constexpr std::uint64_t max_trackable_us = 3'600'000'000;  // one hour
    static constexpr unsigned significant_digits = 3;
    static constexpr unsigned sub_bucket_bits = 11;  // 2048 sub-buckets
    static constexpr std::uint64_t sub_bucket_count = std::uint64_t{1} << sub_bucket_bits;
    static constexpr std::uint64_t half_count = sub_bucket_count / 2;
    // Buckets of width 2^s for s = 1.. until max_trackable_us fits: 21 for one hour.
    static constexpr unsigned shift_count = 21;
    static constexpr std::size_t index_count = sub_bucket_count + shift_count * half_count;

    // Records one sample (or `count` equal samples). Values above max_trackable_us, and
    // negative ones (a clock that went backwards), are clamped to the range and counted in
    // above_range() / below_range(), never dropped: the totals stay true.
    void record(std::int64_t value_us, std::uint64_t count = 1);
    void merge(const LatencyHistogram& other);
    void reset();

    std::uint64_t count() const { return total_; }
    bool empty() const { return total_ == 0; }
    std::uint64_t min() const { return total_ ? min_ : 0; }  // exact, after clamping
    std::uint64_t max() const { return max_; }               // exact, after clamping
    double mean() const { return total_ ? sum_ / static_cast<double>(total_) : 0; }
    std::uint64_t below_range() const { return below_range_; }
    std::uint64_t above_range() const { return above_range_; }

    // The value at quantile q (nearest rank): the upper end of the bucket holding that rank,
    // capped at the exact maximum, so it is never below the true value and at most 1/1024 of
    // it above. 0 when empty.
    std::uint64_t value_at_quantile(double quantile) const;
    LatencySummary summary() const;

    // {"schema":"relaylab.histogram/1","unit":"us","significant_digits":3,
    //  "max_trackable":3600000000,"count":N,"min":..,"max":..,"sum":..,"below_range":0,
    //  "above_range":0,"buckets":[[lowest value of the bucket, count], ...]} (non-empty only)
    //
    // compact: the same object with "encoding":"delta-leb128-base64" and "buckets" a string:
    // the non-empty buckets as (bucket index minus the previous one's, count) pairs of
    // unsigned LEB128 varints, base64 (RFC 4648 4, padded). A few bytes per bucket instead of
    // about 20: what shard reports carry, so that `relaylab report merge` adds the shards'
    // histograms exactly instead of averaging their percentiles.
    nlohmann::json to_json(bool compact = false) const;
    // The inverse of either form; on failure returns nullopt and sets `error` (and `where`, a
    // JSON pointer).
    static std::optional<LatencyHistogram> from_json(const nlohmann::json& json,
                                                     HistogramJsonError* error = nullptr,
                                                     std::string* where = nullptr);

    // The bucket layout, public for tests and for readers of the JSON.
    static std::size_t index_of(std::uint64_t value_us);
    static std::uint64_t lowest_value_at(std::size_t index);
    static std::uint64_t highest_value_at(std::size_t index);

    bool operator==(const LatencyHistogram& other) const;

  private:
    // Allocated once at its full size (about 184 KiB): fixed memory, and cheap to move.
    std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(index_count);
    std::uint64_t total_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
    double sum_ = 0;  // for the mean only; a double cannot overflow at huge counts
    std::uint64_t below_range_ = 0;
    std::uint64_t above_range_ = 0;
};

}  // namespace relaylab::load
