// evaluate / to_json: an expectation judged against a finished report.json document.
#include <array>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "reports/expectation.hpp"
#include "reports/number_text.hpp"

namespace relaylab::reports {

namespace {

// The fields of report.json that count events: a count never seen is absent from the document
// and reads 0 ("auth.dmarc.fail" when nothing failed, "domains[x].deferred" for a domain that
// got no mail). Anywhere else a missing field is a mistake in the path ("totals.lsot",
// "latency_ms.submit.p95") and fails the expectation rather than passing as 0.
// "*" matches any key or selector, "[]" any selector.
using Pattern = std::initializer_list<std::string_view>;
const std::array<Pattern, 20> count_fields = {{
    {"auth", "spf", "*"},
    {"auth", "dkim", "*"},
    {"auth", "dmarc", "*"},
    {"auth", "arc", "*"},
    {"tls", "submission", "*"},
    {"tls", "versions", "*"},
    {"tls", "ciphers", "*"},
    {"replies", "submission", "*"},
    {"replies", "receivers", "*"},
    {"failures", "submission", "*"},
    {"domains", "[]", "replies", "*"},
    {"domains", "[]", "recipients"},
    {"domains", "[]", "delivered"},
    {"domains", "[]", "deferred"},
    {"domains", "[]", "bounced"},
    {"domains", "[]", "attempts"},
    // deliverability.placement[yahoo].spam when no mail went to yahoo (issue 13).
    {"deliverability", "placement", "*", "inbox"},
    {"deliverability", "placement", "*", "spam"},
    {"deliverability", "placement", "*", "rejected"},
    {"deliverability", "placement", "*", "deferred"},
}};

bool is_count_field(const std::vector<PathStep>& path) {
    for (const auto& pattern : count_fields) {
        if (pattern.size() != path.size()) continue;
        bool match = true;
        std::size_t i = 0;
        for (auto step : pattern) {
            const auto& given = path[i++];
            if (step == "*") continue;
            if (step == "[]" ? !given.selector : given.text != step) {
                match = false;
                break;
            }
        }
        if (match) return true;
    }
    return false;
}

std::string path_text(const std::vector<PathStep>& path, std::size_t steps) {
    std::string out;
    for (std::size_t i = 0; i < steps && i < path.size(); ++i) {
        if (path[i].selector) {
            out += '[' + path[i].text + ']';
        } else {
            if (!out.empty()) out += '.';
            out += path[i].text;
        }
    }
    return out;
}

std::string kind_of(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::null:
            return "null";
        case nlohmann::json::value_t::boolean:
            return "a boolean";
        case nlohmann::json::value_t::string:
            return "a string";
        case nlohmann::json::value_t::array:
            return "an array";
        case nlohmann::json::value_t::object:
            return "an object";
        default:
            return "a number";
    }
}

// An array entry chosen by its "domain" (or, failing that, "name"): domains[gmail.test],
// world.mx[mx1.gmail.test].
const nlohmann::json* select_entry(const nlohmann::json& array, const std::string& wanted) {
    for (const char* field : {"domain", "name"}) {
        for (const auto& entry : array) {
            if (!entry.is_object()) continue;
            auto it = entry.find(field);
            if (it != entry.end() && it->is_string() && it->get_ref<const std::string&>() == wanted)
                return &entry;
        }
    }
    return nullptr;
}

struct Lookup {
    std::optional<double> value;
    std::string problem;  // why there is no value
};

Lookup look_up(const std::vector<PathStep>& path, const nlohmann::json& report) {
    const nlohmann::json* current = &report;
    for (std::size_t i = 0; i < path.size(); ++i) {
        const auto& step = path[i];
        const nlohmann::json* next = nullptr;
        if (current->is_object()) {
            auto it = current->find(step.text);
            if (it != current->end()) next = &*it;
        } else if (current->is_array() && step.selector) {
            next = select_entry(*current, step.text);
        } else {
            auto where = path_text(path, i);
            if (current->is_array()) {
                return {std::nullopt, where +
                                          " is an array: select an entry by its \"domain\" "
                                          "or \"name\", e.g. " +
                                          where + "[gmail.test]"};
            }
            return {std::nullopt, where + " is " + kind_of(*current) + ", not an object"};
        }
        if (next == nullptr) {
            if (is_count_field(path)) return {0.0, {}};
            auto where = path_text(path, i);
            if (step.selector && current->is_array()) {
                return {std::nullopt, "no entry [" + step.text + "] in " + where};
            }
            return {std::nullopt, "no field '" + step.text + "' in " + where};
        }
        current = next;
    }
    if (current->is_number()) return {current->get<double>(), {}};
    return {std::nullopt, path_text(path, path.size()) + " is " + kind_of(*current) +
                              (current->is_null() ? "" : ", not a number")};
}

bool compare(double value, Comparison comparison, double threshold) {
    switch (comparison) {
        case Comparison::less:
            return value < threshold;
        case Comparison::less_equal:
            return value <= threshold;
        case Comparison::greater:
            return value > threshold;
        case Comparison::greater_equal:
            return value >= threshold;
        case Comparison::equal:
            return value == threshold;
        case Comparison::not_equal:
            return value != threshold;
    }
    return false;
}

}  // namespace

ExpectationResult evaluate(const Expectation& expectation, const nlohmann::json& report) {
    ExpectationResult result;
    result.name = expectation.name;
    result.expected = expectation.text;
    auto numerator = look_up(expectation.numerator, report);
    if (!numerator.value) {
        result.actual = "missing: " + numerator.problem;
        return result;
    }
    double value = *numerator.value;
    if (expectation.denominator.empty()) {
        result.actual = format_number(value);
    } else {
        auto denominator = look_up(expectation.denominator, report);
        if (!denominator.value) {
            result.actual = "missing: " + denominator.problem;
            return result;
        }
        if (*denominator.value == 0) {
            result.actual =
                "undefined: " + path_text(expectation.denominator, expectation.denominator.size()) +
                " is 0";
            return result;
        }
        value /= *denominator.value;
        result.actual = format_number(value) + " (" + format_number(*numerator.value) + " / " +
                        format_number(*denominator.value) + ")";
    }
    result.value = value;
    result.passed = compare(value, expectation.comparison, expectation.threshold);
    return result;
}

nlohmann::json to_json(const std::vector<ExpectationResult>& results) {
    auto rows = nlohmann::json::array();
    for (const auto& result : results) {
        rows.push_back({{"name", result.name},
                        {"expected", result.expected},
                        {"actual", result.actual},
                        {"passed", result.passed}});
    }
    return rows;
}

}  // namespace relaylab::reports
