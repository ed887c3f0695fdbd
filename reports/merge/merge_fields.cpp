#include <algorithm>
#include <limits>
#include <map>

#include "reports/merge/merge_fields.hpp"
#include "reports/merge/shard_merge.hpp"

namespace relaylab::reports::merge {

namespace {

// RFC 6901: "~" and "/" in a key are escaped in a JSON pointer.
std::string pointer_token(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

bool is_count(const nlohmann::json& value) {
    return value.is_number_unsigned() ||
           (value.is_number_integer() && value.get<std::int64_t>() >= 0);
}

std::uint64_t checked_sum(std::uint64_t a, std::uint64_t b, const Origin& origin) {
    if (a > std::numeric_limits<std::uint64_t>::max() - b)
        origin.fail("the sum over the shards overflows 2^64");
    return a + b;
}

// A value taken whole from a shard: its numbers must be counts all the same.
void check_counts(const nlohmann::json& value, const Origin& origin) {
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it)
            check_counts(it.value(), origin.at(it.key()));
    } else if (value.is_number() && !is_count(value)) {
        origin.fail("want a count (a whole number not below 0), got " +
                    value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
}

}  // namespace

Origin Origin::at(std::string_view key) const {
    return Origin{source, pointer + "/" + pointer_token(key)};
}

void Origin::fail(const std::string& why) const {
    throw MergeError(source + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + why);
}

std::uint64_t count_at(const nlohmann::json& object, std::string_view key, const Origin& origin) {
    if (!object.is_object()) return 0;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return 0;
    if (!is_count(*it))
        origin.at(key).fail("want a count (a whole number not below 0), got " +
                            it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return it->get<std::uint64_t>();
}

void add_counts(nlohmann::json& into, const nlohmann::json& from, const Origin& origin) {
    if (into.is_null()) {
        check_counts(from, origin);
        into = from;
        return;
    }
    if (into.is_object() && from.is_object()) {
        for (auto it = from.begin(); it != from.end(); ++it) {
            auto mine = into.find(it.key());
            if (mine == into.end()) {
                check_counts(it.value(), origin.at(it.key()));
                into[it.key()] = it.value();
            } else {
                add_counts(*mine, it.value(), origin.at(it.key()));
            }
        }
        return;
    }
    if (is_count(into) && is_count(from)) {
        into = checked_sum(into.get<std::uint64_t>(), from.get<std::uint64_t>(), origin);
        return;
    }
    if (is_count(into) && !from.is_null())
        origin.fail("want a count here as in the other shards, got " +
                    from.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    // Text and settings: the first shard's stand.
}

void add_domains(nlohmann::json& into, const nlohmann::json& from, const Origin& origin) {
    if (from.is_null()) return;
    if (!from.is_array()) origin.fail("want an array of domains");
    if (!into.is_array()) into = nlohmann::json::array();
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < into.size(); ++i)
        index[into[i].value("domain", std::string())] = i;
    for (std::size_t i = 0; i < from.size(); ++i) {
        const nlohmann::json& entry = from[i];
        const Origin here = origin.at(std::to_string(i));
        if (!entry.is_object() || !entry.contains("domain") || !entry["domain"].is_string())
            here.fail("want an object with a \"domain\"");
        const std::string name = entry["domain"].get<std::string>();
        auto found = index.find(name);
        if (found == index.end()) {
            index[name] = into.size();
            check_counts(entry, here);
            into.push_back(entry);
        } else {
            add_counts(into[found->second], entry, here);
        }
    }
    std::stable_sort(into.begin(), into.end(),
                     [](const nlohmann::json& a, const nlohmann::json& b) {
                         return a.value("domain", std::string()) < b.value("domain", std::string());
                     });
}

void add_world_accepted(nlohmann::json& into, const nlohmann::json& from, const Origin& origin) {
    if (!into.is_object() || !from.is_object()) return;
    auto mine = into.find("mx");
    auto theirs = from.find("mx");
    if (mine == into.end() || theirs == from.end() || !mine->is_array() || !theirs->is_array())
        return;
    for (std::size_t i = 0; i < theirs->size(); ++i) {
        const nlohmann::json& host = (*theirs)[i];
        if (!host.is_object()) continue;
        const std::string name = host.value("name", std::string());
        const Origin here = origin.at("mx").at(std::to_string(i));
        const std::uint64_t accepted = count_at(host, "accepted", here);
        bool placed = false;
        for (auto& known : *mine) {
            if (!known.is_object() || known.value("name", std::string()) != name) continue;
            known["accepted"] =
                checked_sum(count_at(known, "accepted", here), accepted, here.at("accepted"));
            placed = true;
            break;
        }
        // A receiver only a later shard knew of (its world differs): listed, not dropped.
        if (!placed) mine->push_back(host);
    }
}

void add_traffic(nlohmann::json& into, const nlohmann::json& from, const Origin& origin) {
    if (!into.is_object() || !from.is_object()) return;
    for (const char* key : {"count", "concurrency"}) {
        const nlohmann::json& theirs = from.contains(key) ? from[key] : nlohmann::json();
        nlohmann::json& mine = into[key];
        if (mine.is_null() || theirs.is_null()) {
            mine = nullptr;
            continue;
        }
        mine = checked_sum(count_at(into, key, origin.at(key)), count_at(from, key, origin.at(key)),
                           origin.at(key));
    }
    // Rates are messages per second: any non-negative number.
    const nlohmann::json& rate = from.contains("rate") ? from["rate"] : nlohmann::json();
    if (into["rate"].is_number() && rate.is_number() && rate.get<double>() >= 0)
        into["rate"] = into["rate"].get<double>() + rate.get<double>();
    else
        into["rate"] = nullptr;
    const nlohmann::json& duration =
        from.contains("duration_s") ? from["duration_s"] : nlohmann::json();
    if (into["duration_s"].is_number() && duration.is_number())
        into["duration_s"] = std::max(into["duration_s"].get<double>(), duration.get<double>());
    else
        into["duration_s"] = nullptr;
}

}  // namespace relaylab::reports::merge
