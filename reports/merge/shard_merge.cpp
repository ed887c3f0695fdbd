#include "reports/merge/shard_merge.hpp"

namespace relaylab::reports {

// Placeholder until the merge lands: refuses everything, so nothing merges silently wrong.
MergeResult merge_shard_reports(const std::vector<ShardReport>& shards,
                                const std::vector<ReceiverCapture>& /*receivers*/) {
    throw MergeError(shards.empty() ? "no shard reports given"
                                    : shards.front().source + ": merging is not built yet");
}

}  // namespace relaylab::reports
