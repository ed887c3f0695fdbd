// The field-by-field additions of `relaylab report merge` (shard_merge.hpp): count trees,
// domains, the world's receivers, the traffic model and the deliverability section, each
// added the way its meaning asks (a count sums, a setting is the first shard's, a rate is
// computed again from the summed parts). Internal to relaylab_shard_merge.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace relaylab::reports::merge {

// Where a value came from, for MergeError messages: "shard-2/report.json: /totals/accepted: ...".
struct Origin {
    const std::string& source;
    std::string pointer;
    Origin at(std::string_view key) const;
    [[noreturn]] void fail(const std::string& why) const;
};

// A count: absent or null reads 0; a negative, fractional or non-number value is refused
// (MergeError naming source and pointer), never silently added.
std::uint64_t count_at(const nlohmann::json& object, std::string_view key, const Origin& origin);

// Adds `from` into `into`: objects key by key (a key only one side has is kept), counts
// summed, anything else (text, settings) left as `into` has it. Counts that would overflow
// 2^64 are refused. `into` null or absent takes `from`.
void add_counts(nlohmann::json& into, const nlohmann::json& from, const Origin& origin);

// report.domains: by "domain", counts and reply maps summed, in name order as a run writes them.
void add_domains(nlohmann::json& into, const nlohmann::json& from, const Origin& origin);

// world.mx: by "name", "accepted" summed; the rest of the world is the first shard's.
void add_world_accepted(nlohmann::json& into, const nlohmann::json& from, const Origin& origin);

// traffic: count, concurrency and rate summed (null stays null: a duration-based shard has
// no count), duration_s the longest, arrivals and ramp_up the first shard's.
void add_traffic(nlohmann::json& into, const nlohmann::json& from, const Origin& origin);

// deliverability (issue 13), see merge_deliverability.cpp for what is exact and what is not.
void add_deliverability(nlohmann::json& into, const nlohmann::json& from, const Origin& origin);
// Recomputes the derived values (rates, mean score) from the summed parts; `scored_sum` is
// the sum over shards of mean_score * scored (the shards' means are rounded: see the .cpp).
void finish_deliverability(nlohmann::json& deliverability, double score_sum);
// A shard's contribution to score_sum (mean_score * scored, 0 without a mean).
double score_sum_of(const nlohmann::json& deliverability);

}  // namespace relaylab::reports::merge
