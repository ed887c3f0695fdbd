// The deliverability section (issue 13) of a merged report. Shards with it are rare (a
// sharded run is usually a load test), so this is kept simple; what it cannot know exactly it
// says conservatively:
//   - counts are summed; a count one shard could not know (null: no simulated recipients, no
//     relay tracking) makes the merged one null, since a sum missing a part is not the total;
//   - rates (open, click, true open/click, complaints) are computed again from the summed
//     parts, with the recorder's rounding;
//   - spam.mean_score is the shards' means weighted by their `scored`: the shards' means are
//     rounded to two decimals, so the merged mean can be off by up to 0.005;
//   - spam.top_rules: each shard lists only its top rules, so a rule's merged count is a lower
//     bound when it fell outside some shard's list; the list keeps as many rules as the
//     longest shard list;
//   - unsubscribe.sent_after_unsubscribe is summed: each shard judged its own messages
//     against its own people's unsubscribes (a person unsubscribed in one shard and mailed by
//     another is not seen; shards split the traffic, not the recipients, so this can undercount).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "reports/merge/merge_fields.hpp"

namespace relaylab::reports::merge {

namespace {

constexpr const char* derived_keys[] = {"open_rate",       "click_rate", "true_open_rate",
                                        "true_click_rate", "rate",       "mean_score",
                                        "top_rules"};

bool is_derived(const std::string& key) {
    return std::find(std::begin(derived_keys), std::end(derived_keys), key) !=
           std::end(derived_keys);
}

// Counts with null meaning "not known": known + unknown is unknown.
void add_known(nlohmann::json& into, const nlohmann::json& from, const Origin& origin) {
    if (!into.is_object() || !from.is_object()) return;
    for (auto it = from.begin(); it != from.end(); ++it) {
        if (is_derived(it.key())) continue;
        auto mine = into.find(it.key());
        if (mine == into.end()) {
            into[it.key()] = it.value();
        } else if (mine->is_null() || it->is_null()) {
            *mine = nullptr;
        } else if (mine->is_object()) {
            add_counts(*mine, *it, origin.at(it.key()));
        } else {
            const std::uint64_t a = count_at(into, it.key(), origin.at(it.key()));
            const std::uint64_t b = count_at(from, it.key(), origin.at(it.key()));
            *mine = a + b;
        }
    }
}

void add_top_rules(nlohmann::json& into, const nlohmann::json& from, const Origin& origin) {
    if (!from.is_array()) return;
    if (!into.is_array()) into = nlohmann::json::array();
    std::map<std::string, std::uint64_t> counts;
    for (const auto& rule : into)
        if (rule.is_object())
            counts[rule.value("name", std::string())] += count_at(rule, "count", origin);
    for (std::size_t i = 0; i < from.size(); ++i)
        if (from[i].is_object())
            counts[from[i].value("name", std::string())] +=
                count_at(from[i], "count", origin.at(std::to_string(i)));
    const std::size_t keep = std::max(into.size(), from.size());
    std::vector<std::pair<std::string, std::uint64_t>> ranked(counts.begin(), counts.end());
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (ranked.size() > keep) ranked.resize(keep);
    into = nlohmann::json::array();
    for (const auto& [name, count] : ranked)
        into.push_back({{"name", name}, {"count", count}});
}

std::optional<std::uint64_t> known(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return std::nullopt;
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<std::uint64_t>();
}

// The recorder's rate: count / over to four places, null when undefined.
nlohmann::json rate(std::optional<std::uint64_t> count, std::optional<std::uint64_t> over) {
    if (!count || !over || *over == 0) return nullptr;
    return std::round(static_cast<double>(*count) / static_cast<double>(*over) * 10000) / 10000;
}

}  // namespace

double score_sum_of(const nlohmann::json& deliverability) {
    const nlohmann::json* spam = deliverability.is_object() && deliverability.contains("spam")
                                     ? &deliverability["spam"]
                                     : nullptr;
    if (spam == nullptr || !spam->is_object()) return 0;
    auto mean = spam->find("mean_score");
    auto scored = known(*spam, "scored");
    if (mean == spam->end() || !mean->is_number() || !scored) return 0;
    return mean->get<double>() * static_cast<double>(*scored);
}

void add_deliverability(nlohmann::json& into, const nlohmann::json& from, const Origin& origin) {
    if (from.is_null()) return;
    if (!from.is_object()) origin.fail("want an object");
    if (into.is_null()) {
        into = from;
        return;
    }
    if (from.contains("placement"))
        add_counts(into["placement"], from["placement"], origin.at("placement"));
    for (const char* section : {"spam", "unsubscribe", "engagement", "quotas", "complaints"}) {
        if (!from.contains(section)) continue;
        if (!into.contains(section)) {
            into[section] = from[section];
            continue;
        }
        add_known(into[section], from[section], origin.at(section));
    }
    if (from.contains("spam") && from["spam"].is_object() && into["spam"].is_object())
        add_top_rules(into["spam"]["top_rules"], from["spam"].value("top_rules", nlohmann::json()),
                      origin.at("spam").at("top_rules"));
}

void finish_deliverability(nlohmann::json& d, double score_sum) {
    if (!d.is_object()) return;
    if (d.contains("spam") && d["spam"].is_object()) {
        auto scored = known(d["spam"], "scored");
        d["spam"]["mean_score"] =
            scored && *scored > 0
                ? nlohmann::json(std::round(score_sum / static_cast<double>(*scored) * 100) / 100)
                : nlohmann::json(nullptr);
    }
    if (d.contains("engagement") && d["engagement"].is_object()) {
        nlohmann::json& e = d["engagement"];
        e["open_rate"] = rate(known(e, "opens"), known(e, "delivered"));
        e["click_rate"] = rate(known(e, "clicks"), known(e, "delivered"));
        e["true_open_rate"] = rate(known(e, "true_opens"), known(e, "simulated"));
        e["true_click_rate"] = rate(known(e, "true_clicks"), known(e, "simulated"));
    }
    if (d.contains("complaints") && d["complaints"].is_object()) {
        nlohmann::json& c = d["complaints"];
        auto reported = known(c, "reported");
        auto inbox = known(c, "inbox");
        // Six places, as the recorder: the thresholds that matter are tenths of a percent.
        c["rate"] = reported && inbox && *inbox > 0
                        ? nlohmann::json(std::round(static_cast<double>(*reported) /
                                                    static_cast<double>(*inbox) * 1e6) /
                                         1e6)
                        : nlohmann::json(nullptr);
    }
}

}  // namespace relaylab::reports::merge
