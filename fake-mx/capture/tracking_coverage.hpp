// Which message numbers of one run arrived: the answer of GET /api/v1/tracking, built from the
// tracking ids ("<run_id>-<n>", see harness/load/message_parts.hpp make_tracking_id) of the
// captured messages. Sans-I/O: the store feeds ids in, in any order, and finish() sorts and
// merges them into counts, inclusive ranges and a few duplicated numbers as evidence.
//
// A merged shard report needs per run exactly which numbers arrived; listing 40,000 to
// millions of messages through /api/v1/messages is far too heavy, while sorted ranges of a run
// with few losses are a handful of pairs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::fakemx::capture {

// Run ids are generated as short [a-z0-9] strings; the API accepts a little more, but no byte
// that would need escaping in a URL, a log line or a file name.
inline constexpr std::size_t max_run_id_bytes = 128;
// 100,000 ranges are ~2 MB of JSON: more means a run so fragmented that the list says nothing
// the counts do not. The counts stay exact beyond it.
inline constexpr std::size_t max_coverage_ranges = 100'000;
// Enough numbers to look up a few duplicated messages by hand.
inline constexpr std::size_t max_duplicated_listed = 100;

// Whether `run_id` may be asked for: 1 to max_run_id_bytes bytes of [A-Za-z0-9._-].
bool valid_run_id(std::string_view run_id);

// How one tracking id relates to a run.
enum class TrackingIdKind {
    other_run,  // does not start with "<run_id>-"
    number,     // "<run_id>-<n>", n decimal, >= 1, no leading zero, fits in 64 bits
    malformed,  // starts with "<run_id>-" but the rest is not such a number
};
struct ClassifiedTrackingId {
    TrackingIdKind kind = TrackingIdKind::other_run;
    std::uint64_t number = 0;  // when kind is number
};
ClassifiedTrackingId classify_tracking_id(std::string_view tracking_id, std::string_view run_id);

struct TrackingRange {
    std::uint64_t first = 0;  // inclusive
    std::uint64_t last = 0;   // inclusive
    bool operator==(const TrackingRange&) const = default;
};

struct TrackingCoverage {
    std::string run_id;
    std::uint64_t messages = 0;         // messages with a valid "<run_id>-<n>"
    std::uint64_t distinct = 0;         // distinct n among them
    std::uint64_t duplicates = 0;       // messages - distinct
    std::vector<TrackingRange> ranges;  // the distinct n, sorted and merged
    bool ranges_truncated = false;      // more than max_coverage_ranges ranges; rest left out
    std::uint64_t other = 0;            // malformed ids of this run
    // Up to max_duplicated_listed n, smallest first, each listed once per extra arrival.
    std::vector<std::uint64_t> duplicated;
};

class TrackingCoverageBuilder {
  public:
    explicit TrackingCoverageBuilder(std::string run_id);

    // Any tracking id; ids of other runs are ignored. The caller bounds how many it feeds (the
    // store feeds at most its max_messages): each number kept costs 8 bytes.
    void add(std::string_view tracking_id);
    // Sorts, merges and counts; the builder is spent afterwards.
    TrackingCoverage finish();

  private:
    std::string run_id_;
    std::vector<std::uint64_t> numbers_;
    std::uint64_t other_ = 0;
};

}  // namespace relaylab::fakemx::capture
