#include "reports/merge/receiver_join.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "reports/merge/merge_fields.hpp"

namespace relaylab::reports::merge {

namespace {

// Examples of duplicated ids kept in the merged report: enough to look a few up.
constexpr std::size_t max_duplicated_examples = 100;

using Range = std::pair<std::uint64_t, std::uint64_t>;

std::string shown(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_id(const nlohmann::json& value) {
    return value.is_number_unsigned() ||
           (value.is_number_integer() && value.get<std::int64_t>() >= 1);
}

// ids <= x of shard `index`: x >= index + 1 ? (x - 1 - index) / count + 1 : 0.
std::uint64_t ids_up_to(std::uint64_t x, std::uint64_t count, std::uint64_t index) {
    if (x < index + 1) return 0;
    return (x - 1 - index) / count + 1;
}

}  // namespace

std::uint64_t ids_of_shard(std::uint64_t lo, std::uint64_t hi, std::uint64_t count,
                           std::uint64_t index) {
    if (lo > hi || lo == 0 || count == 0) return 0;
    return ids_up_to(hi, count, index) - ids_up_to(lo - 1, count, index);
}

JoinOutcome join_receivers(const std::vector<ReceiverCapture>& receivers, const std::string& run_id,
                           const std::vector<ShardFacts>& shards,
                           std::optional<std::uint64_t> planned_total) {
    JoinOutcome out;
    const std::uint64_t count = shards.size();
    std::vector<Range> ranges;
    std::uint64_t messages = 0, reported_distinct = 0, other = 0, ranged = 0;
    nlohmann::json sources = nlohmann::json::array();
    std::vector<std::uint64_t> duplicated;
    for (const ReceiverCapture& capture : receivers) {
        const Origin origin{capture.source, ""};
        const nlohmann::json& t = capture.tracking;
        if (!t.is_object()) origin.fail("not a tracking answer (want a JSON object)");
        if (!t.contains("run_id") || !t["run_id"].is_string() ||
            t["run_id"].get<std::string>() != run_id)
            origin.at("run_id").fail("answers for run " +
                                     (t.contains("run_id") ? shown(t["run_id"]) : "(none)") +
                                     ", want \"" + run_id + "\"");
        sources.push_back(capture.source);
        messages += count_at(t, "messages", origin);
        reported_distinct += count_at(t, "distinct", origin);
        out.duplicates += count_at(t, "duplicates", origin);
        other += count_at(t, "other", origin);
        if (t.contains("ranges_truncated")) {
            if (!t["ranges_truncated"].is_boolean())
                origin.at("ranges_truncated").fail("want true or false");
            out.truncated = out.truncated || t["ranges_truncated"].get<bool>();
        }
        if (!t.contains("ranges") || !t["ranges"].is_array())
            origin.at("ranges").fail("want an array of [first, last] id ranges");
        const nlohmann::json& list = t["ranges"];
        for (std::size_t i = 0; i < list.size(); ++i) {
            const nlohmann::json& r = list[i];
            if (!r.is_array() || r.size() != 2 || !is_id(r[0]) || !is_id(r[1]) ||
                r[0].get<std::uint64_t>() > r[1].get<std::uint64_t>())
                origin.at("ranges")
                    .at(std::to_string(i))
                    .fail("want [first, last] with 1 <= first <= last, got " + shown(r));
            const Range range{r[0].get<std::uint64_t>(), r[1].get<std::uint64_t>()};
            const std::uint64_t length = range.second - range.first + 1;
            if (length == 0 || ranged > std::numeric_limits<std::uint64_t>::max() - length)
                origin.at("ranges").fail("the ranges hold more than 2^64 ids");
            ranged += length;
            ranges.push_back(range);
        }
        if (t.contains("duplicated") && t["duplicated"].is_array())
            for (const auto& n : t["duplicated"])
                if (is_id(n) && duplicated.size() < max_duplicated_examples)
                    duplicated.push_back(n.get<std::uint64_t>());
    }

    // The union: an id two receivers both hold arrived twice (a duplicate across replicas).
    std::sort(ranges.begin(), ranges.end());
    std::vector<Range> merged;
    for (const Range& r : ranges) {
        // Overlapping or adjacent (first - 1 cannot wrap: ids start at 1).
        if (!merged.empty() && r.first - 1 <= merged.back().second)
            merged.back().second = std::max(merged.back().second, r.second);
        else
            merged.push_back(r);
    }
    std::uint64_t distinct = 0;
    for (const Range& r : merged)
        distinct += r.second - r.first + 1;
    out.duplicates += ranged - distinct;

    // Per shard: whole cycles of `count` ids give every shard one each; the rest of a range is
    // a run of consecutive shard indices (wrapping), added through a difference array.
    std::uint64_t unexpected = 0;
    std::uint64_t whole = 0;
    std::vector<std::int64_t> difference(count + 1, 0);
    for (Range r : merged) {
        if (planned_total) {
            if (r.first > *planned_total) {
                unexpected += r.second - r.first + 1;
                continue;
            }
            if (r.second > *planned_total) {
                unexpected += r.second - *planned_total;
                r.second = *planned_total;
            }
        }
        const std::uint64_t length = r.second - r.first + 1;
        whole += length / count;
        const std::uint64_t rest = length % count;
        if (rest == 0) continue;
        const std::uint64_t from = (r.first - 1) % count;
        ++difference[from];
        if (from + rest <= count) {
            --difference[from + rest];
        } else {
            --difference[count];
            ++difference[0];
            --difference[from + rest - count];
        }
    }

    nlohmann::json by_shard = nlohmann::json::array();
    std::uint64_t missing_total = 0;
    std::int64_t running = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        running += difference[i];
        const std::uint64_t arrived = whole + static_cast<std::uint64_t>(running);
        const ShardFacts& shard = shards[i];
        nlohmann::json entry = {{"index", i}, {"arrived", arrived}};
        if (!shard.present) {
            entry["accepted"] = nullptr;
            entry["missing"] = nullptr;
            entry["report_missing"] = true;
            if (arrived > 0)
                out.problems.push_back("arrived for missing shard " + std::to_string(i) + ": " +
                                       std::to_string(arrived));
            by_shard.push_back(std::move(entry));
            continue;
        }
        out.arrived_present += arrived;
        const std::uint64_t missing = shard.accepted > arrived ? shard.accepted - arrived : 0;
        entry["accepted"] = shard.accepted;
        // Truncated ranges undercount arrivals: no exact missing count is claimed then.
        entry["missing"] = out.truncated ? nlohmann::json(nullptr) : nlohmann::json(missing);
        missing_total += missing;
        if (!out.truncated && !shard.generator && missing > shard.not_delivered)
            out.problems.push_back("shard " + std::to_string(i) + ": the receivers hold " +
                                   std::to_string(arrived) + " of its " +
                                   std::to_string(shard.accepted) + " accepted messages, " +
                                   std::to_string(missing - shard.not_delivered) +
                                   " more missing than its own report counts as not delivered");
        by_shard.push_back(std::move(entry));
    }

    out.section = {
        {"sources", std::move(sources)},
        {"messages", messages},
        {"distinct", distinct},
        {"reported_distinct", reported_distinct},
        {"duplicates", out.duplicates},
        {"other", other},
        {"truncated", out.truncated},
        {"by_shard", std::move(by_shard)},
        {"missing_total", out.truncated ? nlohmann::json(nullptr) : nlohmann::json(missing_total)},
        {"unexpected", unexpected},
        {"duplicated", duplicated}};
    if (out.truncated)
        out.section["note"] =
            "a receiver's ranges were truncated: arrivals are undercounted, so no exact missing "
            "counts are claimed";
    return out;
}

}  // namespace relaylab::reports::merge
