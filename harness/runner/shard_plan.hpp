// Which part of a scenario's traffic one shard of a sharded run sends (`relaylab run --shard
// I/N`, or one pod of a Kubernetes Indexed Job). Shard I of N takes the message numbers n with
// (n - 1) mod N == I: the tracking ids "<run_id>-<n>" of the shards are disjoint and together
// are exactly those of one unsharded run. Every message is drawn from (seed, n)
// (traffic_model.hpp) and the open-loop arrivals are paced on the whole run's schedule
// (LoadPlan::shard), so the union of the N shards sends what one unsharded run would, byte for
// byte and on the same schedule; the seed therefore stays the scenario's (deriving one per
// shard would make the union a different run).
//
// Sans-I/O: the environment is passed in, nothing is read here.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace relaylab::runner {

// Far more generator pods than any relay needs, and the bound `relaylab report merge` takes.
inline constexpr unsigned max_shards = 10'000;

struct ShardSpec {
    unsigned index = 0;  // 0-based, as JOB_COMPLETION_INDEX
    unsigned count = 1;
    bool operator==(const ShardSpec&) const = default;
};

// A wrong --shard, --shards or JOB_COMPLETION_INDEX; what() says which and why.
class ShardError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// "I/N" with 0 <= I < N <= max_shards, decimal, nothing else. Throws ShardError.
ShardSpec parse_shard(std::string_view text);

// The shard a run is: `--shard I/N` when given (then --shards, if also given, must say N);
// otherwise JOB_COMPLETION_INDEX (the Indexed Job's pod index, `job_completion_index`, null
// when unset) with N from --shards or the scenario's "shards"; otherwise none (an unsharded
// run, also when only N is known: the same scenario runs whole on a laptop). Throws
// ShardError, e.g. when JOB_COMPLETION_INDEX is set and no N is known, or is not below N.
std::optional<ShardSpec> select_shard(const std::optional<std::string>& shard_option,
                                      std::optional<unsigned> shards_option,
                                      std::optional<unsigned> scenario_shards,
                                      const char* job_completion_index);

// Messages shard `shard` sends of `total`: ceil((total - index) / count); the parts add up to
// `total` exactly and differ by at most one.
std::uint64_t shard_message_count(std::uint64_t total, ShardSpec shard);
// Connections of shard `shard` when the whole run opens `total`: split the same way, at least
// one (a shard with no connection could not send its part).
std::size_t shard_concurrency(std::size_t total, ShardSpec shard);

// The run id every shard of a run shares when none is given (--run-id, RELAYLAB_RUN_ID): "s"
// and the first 10 hex digits of the scenario digest ("sha256:<hex>"; anything else throws
// ShardError, as shards without a digest could not agree), so N pods agree without talking. Two
// runs of the same scenario then share ids too: a receiver that keeps the first run's
// captures would count them twice, which is why the manifests pass the Job's uid.
std::string derived_run_id(std::string_view scenario_digest);

// A run id given by the user: 1..64 of [A-Za-z0-9._-] (it prefixes every tracking id and
// Message-ID). Throws ShardError naming `where` (--run-id or RELAYLAB_RUN_ID).
std::string checked_run_id(std::string_view text, std::string_view where);

}  // namespace relaylab::runner
