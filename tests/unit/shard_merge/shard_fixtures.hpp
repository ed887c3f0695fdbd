// Synthetic shard reports for the merge's tests: reports/examples/report.json with a `shard`
// section as `relaylab run --shard I/N` writes it, histograms from given latencies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/load/latency_histogram.hpp"
#include "reports/merge/shard_merge.hpp"

namespace relaylab::test {

nlohmann::json example_report();

struct ShardSpec {
    std::uint64_t index = 0;
    std::uint64_t count = 2;
    std::uint64_t started_ms = 1'780'000'000'000;
    load::LatencyHistogram submit;
    load::LatencyHistogram end_to_end;
};

// The example report as shard `index` of `count`, 2000 messages planned per shard.
nlohmann::json shard_report(const ShardSpec& spec);
// shard_report of each index 0..count-1, sources "shard-I/report.json".
std::vector<reports::ShardReport> shard_set(std::uint64_t count);
reports::ShardReport as_input(nlohmann::json report);  // source from its shard index

}  // namespace relaylab::test
