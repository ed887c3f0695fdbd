// The join of `relaylab report merge` with what receivers captured (shard_merge.hpp): the
// union of the receivers' tracking-id ranges, split by the shard that owns each id (message
// number n belongs to shard (n - 1) mod count), by interval arithmetic: ranges are never
// expanded, a run of millions of messages costs as many steps as it has ranges plus shards.
// Internal to relaylab_shard_merge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/merge/shard_merge.hpp"

namespace relaylab::reports::merge {

struct ShardFacts {
    bool present = false;    // its report was given
    bool generator = false;  // it only sent: its deliveries are the receivers' to tell
    std::uint64_t accepted = 0;
    std::uint64_t not_delivered = 0;  // what its own report says did not arrive (lost, bounced,
                                      // in flight): arrivals missing beyond it are unexplained
};

struct JoinOutcome {
    nlohmann::json section;             // shards.receivers
    std::uint64_t arrived_present = 0;  // distinct ids of the given shards' classes (planned)
    std::uint64_t duplicates = 0;       // within and across receivers
    bool truncated = false;
    std::vector<std::string> problems;  // each one line: why the merge exits 3
};

// One id per message number; `planned_total` (when known) bounds the ids a run made: ids
// beyond it are counted as unexpected. Throws MergeError for a capture that is not a tracking
// answer of `run_id` (naming its URL and the pointer).
JoinOutcome join_receivers(const std::vector<ReceiverCapture>& receivers, const std::string& run_id,
                           const std::vector<ShardFacts>& shards,
                           std::optional<std::uint64_t> planned_total);

// How many n in [lo, hi] have (n - 1) mod count == index. Public for tests.
std::uint64_t ids_of_shard(std::uint64_t lo, std::uint64_t hi, std::uint64_t count,
                           std::uint64_t index);

}  // namespace relaylab::reports::merge
