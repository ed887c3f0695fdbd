// `relaylab report merge`: the shards of one sharded run (`relaylab run --shard I/N`, each a
// report.json with a `shard` section) merged into one report.json, as exact as one unsharded
// run's: totals and count maps are sums, latency percentiles come from the shards' raw
// histograms added together (never averaged percentiles), the timeline is re-binned on
// wall-clock seconds from each shard's started_at, and the expectations the shards carry are
// judged again on the merged figures.
//
// Optionally joined with what receivers captured (a fake MX's GET /api/v1/tracking?run_id=,
// see docs/fake-mx-api.md): the tracking ids each shard owns (message numbers n with
// (n - 1) mod count == index) against the ids that arrived, so a missing or duplicated
// message is named, and generator-only shards (send only, to an external relay or fake MX)
// get their deliveries from the receivers.
//
// Sans-I/O: JSON documents in, a JSON document out; reading files and fetching the receivers'
// answers is the CLI's (harness/cli/report_command.cpp).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace relaylab::reports {

// Shards that cannot be merged at all: not a shard report, shards of different scenarios
// (name, scenario digest, seed, shard count or run id differ), the same index twice, an index
// out of range, a histogram that does not decode. what() names the file (`source`) and the
// JSON pointer: "shard-2/report.json: /shard/index: index 2 is also in shard-1/report.json".
// The CLI exits 2 and writes nothing.
class MergeError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ShardReport {
    std::string source;     // the file it came from, for messages
    nlohmann::json report;  // report.json as parsed
};

// A receiver's GET /api/v1/tracking?run_id=RUN answer (docs/fake-mx-api.md):
// {"run_id","messages","distinct","duplicates","ranges":[[lo,hi],...],"ranges_truncated",
//  "other"}. Several receivers (replicas behind one Service) may each hold part of the run.
struct ReceiverCapture {
    std::string source;  // the URL it came from
    nlohmann::json tracking;
    // Non-empty: the receiver could not be asked (unreachable, not 200, not JSON): the merge
    // then leaves the whole join out (a partial union would call the messages another replica
    // holds missing), names the receiver in `error` and exits 3.
    std::string error;
};

// Bounds: a merge takes at most this many shard reports, of a run of at most this many shards.
inline constexpr std::size_t max_merged_shards = 10'000;

struct MergeResult {
    // report.json of the whole run (schema relaylab.report/1): no `shard`, a `shards` section
    // instead ({"count","merged":[indices],"missing":[indices],"failed":[{index,error}],
    // "sources":[...],"receivers": ... when joined}). `error` is set, and `passed` false, when a
    // shard is missing or its run broke: the merge is then of what is there, and says so.
    nlohmann::json report;
    // 0 every expectation held on the merged figures, 1 one failed, 3 a shard is missing or
    // broke (its report had an `error`, it never wrote one) or a receiver join found messages
    // missing that the shards' counts cannot explain.
    int exit_code = 0;
};

// Throws MergeError. `shards` in any order; at least one.
MergeResult merge_shard_reports(const std::vector<ShardReport>& shards,
                                const std::vector<ReceiverCapture>& receivers = {});

}  // namespace relaylab::reports
