#include "harness/runner/shard_plan.hpp"

#include <algorithm>
#include <charconv>

namespace relaylab::runner {

namespace {

// A decimal number without sign, spaces or leading zeros (JOB_COMPLETION_INDEX is one).
std::optional<std::uint64_t> decimal(std::string_view text) {
    if (text.empty() || text.size() > 10 || (text.size() > 1 && text.front() == '0'))
        return std::nullopt;
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string shown(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 40))
        out += (c >= 0x20 && c < 0x7F) ? c : '?';
    return text.size() > 40 ? out + "..." : out;
}

}  // namespace

ShardSpec parse_shard(std::string_view text) {
    auto slash = text.find('/');
    auto index = slash == std::string_view::npos ? std::nullopt : decimal(text.substr(0, slash));
    auto count = slash == std::string_view::npos ? std::nullopt : decimal(text.substr(slash + 1));
    if (!index || !count)
        throw ShardError("--shard " + shown(text) + ": expected I/N, e.g. 0/4 (I counts from 0)");
    if (*count < 1 || *count > max_shards)
        throw ShardError("--shard " + shown(text) + ": N must be 1 to " +
                         std::to_string(max_shards));
    if (*index >= *count)
        throw ShardError("--shard " + shown(text) + ": I must be below N (shards 0 to " +
                         std::to_string(*count - 1) + ")");
    return {static_cast<unsigned>(*index), static_cast<unsigned>(*count)};
}

std::optional<ShardSpec> select_shard(const std::optional<std::string>& shard_option,
                                      std::optional<unsigned> shards_option,
                                      std::optional<unsigned> scenario_shards,
                                      const char* job_completion_index) {
    if (shards_option && (*shards_option < 1 || *shards_option > max_shards))
        throw ShardError("--shards " + std::to_string(*shards_option) + ": must be 1 to " +
                         std::to_string(max_shards));
    if (shard_option) {
        ShardSpec shard = parse_shard(*shard_option);
        if (shards_option && *shards_option != shard.count)
            throw ShardError("--shard " + *shard_option + " and --shards " +
                             std::to_string(*shards_option) + " disagree on the number of shards");
        return shard;
    }
    if (job_completion_index == nullptr) return std::nullopt;
    std::optional<unsigned> count = shards_option ? shards_option : scenario_shards;
    std::string_view value = job_completion_index;
    if (!count)
        throw ShardError("JOB_COMPLETION_INDEX is set (" + shown(value) +
                         ") but the number of shards is not: give --shards N or \"shards\" in "
                         "the scenario (or --shard I/N)");
    auto index = decimal(value);
    if (!index) throw ShardError("JOB_COMPLETION_INDEX=" + shown(value) + ": not a shard index");
    if (*index >= *count)
        throw ShardError("JOB_COMPLETION_INDEX=" + shown(value) + ": must be below the " +
                         std::to_string(*count) +
                         " shards (the Job's completions must equal "
                         "--shards or the scenario's \"shards\")");
    return ShardSpec{static_cast<unsigned>(*index), *count};
}

std::uint64_t shard_message_count(std::uint64_t total, ShardSpec shard) {
    if (total <= shard.index) return 0;
    return (total - 1 - shard.index) / shard.count + 1;
}

std::size_t shard_concurrency(std::size_t total, ShardSpec shard) {
    std::size_t part = total / shard.count + (shard.index < total % shard.count ? 1 : 0);
    return std::max<std::size_t>(part, 1);
}

std::string derived_run_id(std::string_view scenario_digest) {
    constexpr std::string_view prefix = "sha256:";
    std::string_view hex = scenario_digest.starts_with(prefix)
                               ? scenario_digest.substr(prefix.size())
                               : std::string_view();
    if (hex.size() < 10 || !std::all_of(hex.begin(), hex.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }))
        throw ShardError("a sharded run needs the scenario's digest (\"sha256:<hex>\"), got \"" +
                         shown(scenario_digest) + "\"");
    return "s" + std::string(hex.substr(0, 10));
}

std::string checked_run_id(std::string_view text, std::string_view where) {
    bool good =
        !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == '-';
        });
    if (!good)
        throw ShardError(std::string(where) + " " + shown(text) +
                         ": a run id is 1 to 64 of A-Z a-z 0-9 . _ -");
    return std::string(text);
}

}  // namespace relaylab::runner
