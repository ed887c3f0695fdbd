#include "fake-mx/dns-fixture/core/fault_rules.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/dns/core/types.hpp"

namespace relaylab::dns::fixture {

std::string_view to_string(FaultAction action) {
    switch (action) {
        case FaultAction::servfail:
            return "servfail";
        case FaultAction::refused:
            return "refused";
        case FaultAction::nxdomain:
            return "nxdomain";
        case FaultAction::drop:
            return "drop";
        case FaultAction::delay:
            return "delay_ms";
        case FaultAction::truncate:
            return "truncate";
    }
    return "unknown";
}

namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view strip_dot(std::string_view s) {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    return s;
}

[[noreturn]] void fail(const std::string& pointer, const std::string& message) {
    throw FaultRuleError((pointer.empty() ? "/" : pointer) + ": " + message);
}

std::optional<FaultAction> action_from(std::string_view text) {
    for (auto action : {FaultAction::servfail, FaultAction::refused, FaultAction::nxdomain,
                        FaultAction::drop, FaultAction::delay, FaultAction::truncate}) {
        if (text == to_string(action)) return action;
    }
    if (text == "delay") return FaultAction::delay;
    return std::nullopt;
}

std::uint16_t type_from(const nlohmann::json& value, const std::string& pointer) {
    if (!value.is_string()) fail(pointer, "a record type must be a string like \"MX\"");
    auto type = rr_type_from_string(value.get<std::string>());
    if (!type) fail(pointer, "unknown record type '" + value.get<std::string>() + "'");
    return static_cast<std::uint16_t>(*type);
}

FaultRule parse_rule(const nlohmann::json& item, const std::string& pointer, std::size_t index) {
    if (!item.is_object()) fail(pointer, "a rule must be an object");
    static const char* known[] = {"name",        "type", "action", "delay_ms",
                                  "probability", "seed", "first",  "label"};
    for (const auto& [key, value] : item.items()) {
        if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
            fail(pointer + "/" + key,
                 "unknown key (want name, type, action, delay_ms, probability, seed, first, "
                 "label)");
        }
    }
    FaultRule rule;
    rule.label = "rule " + std::to_string(index);
    if (item.contains("name")) {
        if (!item["name"].is_string()) fail(pointer + "/name", "must be a string (a name glob)");
        rule.name = item["name"].get<std::string>();
        if (rule.name.empty() || rule.name.size() > max_glob_length) {
            fail(pointer + "/name",
                 "must be 1 to " + std::to_string(max_glob_length) + " characters");
        }
    }
    if (item.contains("type")) {
        const auto& type = item["type"];
        if (type.is_string() && (type == "*" || type == "ANY" || type == "any")) {
            // every type
        } else if (type.is_array()) {
            for (std::size_t i = 0; i < type.size(); ++i) {
                rule.types.push_back(type_from(type[i], pointer + "/type/" + std::to_string(i)));
            }
        } else {
            rule.types.push_back(type_from(type, pointer + "/type"));
        }
    }
    if (!item.contains("action")) {
        fail(pointer + "/action",
             "missing (want servfail, refused, nxdomain, drop, delay_ms, truncate)");
    }
    if (!item["action"].is_string() || !action_from(item["action"].get<std::string>())) {
        fail(pointer + "/action", "unknown action " + item["action"].dump() +
                                      " (want servfail, refused, nxdomain, drop, delay_ms, "
                                      "truncate)");
    }
    rule.action = *action_from(item["action"].get<std::string>());
    if (item.contains("delay_ms")) {
        const auto& d = item["delay_ms"];
        if (!d.is_number_unsigned() || d.get<std::uint64_t>() > max_fault_delay_ms) {
            fail(pointer + "/delay_ms",
                 "must be an integer from 0 to " + std::to_string(max_fault_delay_ms));
        }
        rule.delay_ms = d.get<std::uint32_t>();
    } else if (rule.action == FaultAction::delay) {
        fail(pointer + "/delay_ms", "missing: the delay_ms action needs a delay in milliseconds");
    }
    if (item.contains("probability")) {
        const auto& p = item["probability"];
        if (!p.is_number() || p.get<double>() < 0.0 || p.get<double>() > 1.0) {
            fail(pointer + "/probability", "must be a number from 0 to 1");
        }
        rule.probability = p.get<double>();
    }
    if (item.contains("seed")) {
        if (!item["seed"].is_number_unsigned())
            fail(pointer + "/seed", "must be an unsigned integer");
        rule.seed = item["seed"].get<std::uint64_t>();
    }
    if (item.contains("first")) {
        if (!item["first"].is_number_unsigned() || item["first"].get<std::uint64_t>() == 0) {
            fail(pointer + "/first", "must be a positive integer (the first N matching queries)");
        }
        rule.first = item["first"].get<std::uint64_t>();
    }
    if (item.contains("label")) {
        if (!item["label"].is_string()) fail(pointer + "/label", "must be a string");
        rule.label = item["label"].get<std::string>();
    }
    return rule;
}

}  // namespace

std::vector<FaultRule> parse_fault_rules(const nlohmann::json& value, const std::string& pointer) {
    const nlohmann::json* list = &value;
    std::string base = pointer;
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            if (key != "rules") fail(pointer + "/" + key, "unknown key (want \"rules\")");
        }
        if (!value.contains("rules")) fail(pointer + "/rules", "missing");
        list = &value["rules"];
        base += "/rules";
    }
    if (!list->is_array()) fail(base, "must be an array of rules");
    if (list->size() > max_fault_rules) {
        fail(base, "more than " + std::to_string(max_fault_rules) + " rules");
    }
    std::vector<FaultRule> rules;
    for (std::size_t i = 0; i < list->size(); ++i) {
        rules.push_back(parse_rule((*list)[i], base + "/" + std::to_string(i), i));
    }
    return rules;
}

std::vector<FaultRule> load_fault_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FaultRuleError(path + ": cannot open");
    std::string text(max_fault_file_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_fault_file_bytes) {
        throw FaultRuleError(path + ": larger than " + std::to_string(max_fault_file_bytes) +
                             " bytes");
    }
    nlohmann::json value;
    try {
        value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw FaultRuleError(path + ": not JSON: " + e.what());
    }
    try {
        return parse_fault_rules(value);
    } catch (const FaultRuleError& e) {
        throw FaultRuleError(path + ": " + e.what());
    }
}

bool glob_match(std::string_view pattern, std::string_view name) {
    pattern = strip_dot(pattern);
    name = strip_dot(name);
    std::size_t p = 0, n = 0;
    std::size_t star = std::string_view::npos, mark = 0;
    while (n < name.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(name[n]))) {
            ++p;
            ++n;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

FaultEngine::FaultEngine(std::vector<FaultRule> rules) {
    for (auto& rule : rules) {
        auto seed = rule.seed;
        rules_.push_back(State{std::move(rule), 0, std::mt19937_64(seed)});
    }
}

std::optional<AppliedFault> FaultEngine::match(std::string_view name, std::uint16_t type) {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        auto& state = rules_[i];
        const auto& rule = state.rule;
        if (!rule.types.empty() &&
            std::find(rule.types.begin(), rule.types.end(), type) == rule.types.end()) {
            continue;
        }
        if (!glob_match(rule.name, name)) continue;
        ++state.seen;
        if (rule.first > 0 && state.seen > rule.first) continue;
        if (rule.probability < 1.0) {
            // 53 random bits make a uniform double in [0, 1), the same on every platform.
            double draw = static_cast<double>(state.rng() >> 11) * 0x1.0p-53;
            if (draw >= rule.probability) continue;
        }
        return AppliedFault{rule.action, rule.delay_ms, i, rule.label};
    }
    return std::nullopt;
}

}  // namespace relaylab::dns::fixture
