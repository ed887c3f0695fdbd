// `relaylab report compare`: the same scenario through several relays (the builtin engine,
// Postfix, a provider) as rows of numbers a reader can scan across. Only the published
// report.json keys are read (ARCHITECTURE.md, "Report"), so runs of different relaylab versions
// still line up; a value a run lacks is null in its column, never a made-up 0.
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report_writers.hpp"

namespace relaylab::reports {
namespace {

enum class Better { lower, higher, neither };

const nlohmann::json* find(const nlohmann::json& root,
                           std::initializer_list<std::string_view> path) {
    const nlohmann::json* at = &root;
    for (std::string_view key : path) {
        if (!at->is_object()) return nullptr;
        auto it = at->find(key);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

// A finite number, else nothing: NaN and infinity can sit in a document built in memory, and
// JSON has no way to write them.
std::optional<double> number(const nlohmann::json* value) {
    if (value == nullptr || !value->is_number()) return std::nullopt;
    const double number = value->get<double>();
    if (!std::isfinite(number)) return std::nullopt;
    return number;
}

// Counts stay integers in compare.json (1998, not 1998.0), as they are in report.json.
nlohmann::json value_or_null(std::optional<double> value) {
    constexpr double exact_integer_limit = 9007199254740992.0;  // 2^53
    if (!value) return nullptr;
    if (std::trunc(*value) == *value && std::fabs(*value) < exact_integer_limit)
        return static_cast<std::int64_t>(*value);
    return *value;
}

struct Metric {
    std::string path;   // a report path, or a ratio "a / b" in the expectation grammar
    std::string label;  // the row's heading
    Better better;
    // The value in one report, or nothing.
    std::optional<double> (*read)(const nlohmann::json& report, const Metric& metric);
    std::vector<std::string_view> keys;  // for plain paths
};

std::optional<double> read_path(const nlohmann::json& report, const Metric& metric) {
    const nlohmann::json* at = &report;
    for (std::string_view key : metric.keys) {
        if (!at->is_object()) return std::nullopt;
        auto it = at->find(key);
        if (it == at->end()) return std::nullopt;
        at = &*it;
    }
    return number(at);
}

// auth.<mechanism>.pass / totals.delivered. A verdict never seen counts 0 (the auth maps hold
// only the verdicts that happened), but only when the run reported that mechanism at all; a
// run that delivered nothing has no ratio.
std::optional<double> read_auth_pass_ratio(const nlohmann::json& report, const Metric& metric) {
    const nlohmann::json* verdicts = find(report, {"auth", metric.keys.at(0)});
    if (verdicts == nullptr || !verdicts->is_object()) return std::nullopt;
    const double passed = number(find(*verdicts, {"pass"})).value_or(0);
    const std::optional<double> delivered = number(find(report, {"totals", "delivered"}));
    if (!delivered || *delivered <= 0) return std::nullopt;
    return passed / *delivered;
}

// How many expectations held (keys[0] == "passed") or failed; none when the report has no
// expectations array (a run that broke before judging).
std::optional<double> read_expectation_count(const nlohmann::json& report, const Metric& metric) {
    const nlohmann::json* expectations = find(report, {"expectations"});
    if (expectations == nullptr || !expectations->is_array()) return std::nullopt;
    const bool want_passed = metric.keys.at(0) == "passed";
    double count = 0;
    for (const auto& entry : *expectations) {
        const nlohmann::json* passed = find(entry, {"passed"});
        // An entry without a boolean verdict did not pass.
        const bool held = passed != nullptr && passed->is_boolean() && passed->get<bool>();
        if (held == want_passed) ++count;
    }
    return count;
}

const std::vector<Metric>& metrics() {
    static const std::vector<Metric> table = [] {
        std::vector<Metric> rows;
        auto plain = [&](std::string label, Better better,
                         std::initializer_list<std::string_view> keys) {
            std::string path;
            for (std::string_view key : keys) {
                if (!path.empty()) path += '.';
                path += key;
            }
            rows.push_back({path, std::move(label), better, read_path, keys});
        };
        // Submitted is what the scenario asked for, so neither more nor less is better; the
        // others are judged for the same traffic.
        plain("Submitted", Better::neither, {"totals", "submitted"});
        plain("Accepted", Better::higher, {"totals", "accepted"});
        plain("Rejected", Better::lower, {"totals", "rejected"});
        plain("Delivered", Better::higher, {"totals", "delivered"});
        plain("Deferred", Better::lower, {"totals", "deferred"});
        plain("Bounced", Better::lower, {"totals", "bounced"});
        plain("Lost", Better::lower, {"totals", "lost"});
        plain("Duplicates", Better::lower, {"totals", "duplicates"});
        plain("In flight at the end", Better::lower, {"totals", "in_flight"});
        plain("Submitted per second", Better::higher, {"throughput", "submit_per_s"});
        plain("Delivered per second", Better::higher, {"throughput", "delivered_per_s"});
        for (std::string_view percentile : {"p50", "p90", "p99", "p999", "max"}) {
            plain("Submission latency " + std::string(percentile) + " (ms)", Better::lower,
                  {"latency_ms", "submit", percentile});
        }
        for (std::string_view percentile : {"p50", "p90", "p99", "p999", "max"}) {
            plain("End-to-end latency " + std::string(percentile) + " (ms)", Better::lower,
                  {"latency_ms", "end_to_end", percentile});
        }
        for (auto [mechanism, name] : {std::pair<std::string_view, std::string_view>{"spf", "SPF"},
                                       {"dkim", "DKIM"},
                                       {"dmarc", "DMARC"}}) {
            rows.push_back({"auth." + std::string(mechanism) + ".pass / totals.delivered",
                            std::string(name) + " pass ratio",
                            Better::higher,
                            read_auth_pass_ratio,
                            {mechanism}});
        }
        // A run of a fixed count that takes longer is slower, but a run of a fixed duration
        // takes as long as it was told: which is better depends on the scenario.
        plain("Duration (s)", Better::neither, {"duration_s"});
        rows.push_back({"expectations.passed",
                        "Expectations passed",
                        Better::higher,
                        read_expectation_count,
                        {"passed"}});
        rows.push_back({"expectations.failed",
                        "Expectations failed",
                        Better::lower,
                        read_expectation_count,
                        {"failed"}});
        return rows;
    }();
    return table;
}

nlohmann::json better_json(Better better) {
    switch (better) {
        case Better::lower:
            return "lower";
        case Better::higher:
            return "higher";
        case Better::neither:
            break;
    }
    return nullptr;
}

std::string run_name(std::size_t index) {
    return "run " + std::to_string(index + 1);
}

void check_report(const nlohmann::json& report, std::size_t index) {
    if (!report.is_object())
        throw std::invalid_argument(run_name(index) + ": not a report.json document (a JSON " +
                                    std::string(report.type_name()) + ", want an object)");
    const nlohmann::json* schema = find(report, {"schema"});
    if (schema == nullptr || !schema->is_string() || schema->get<std::string>() != report_schema_id)
        throw std::invalid_argument(
            run_name(index) + ": \"schema\" is " +
            (schema == nullptr
                 ? "missing"
                 : schema->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
            ", want \"" + std::string(report_schema_id) + "\"");
}

std::string text_at(const nlohmann::json& report, std::initializer_list<std::string_view> path) {
    const nlohmann::json* value = find(report, path);
    return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// "quickstart (builtin 127.0.0.1:40123)": what tells two runs of one comparison apart.
std::string default_label(const nlohmann::json& report, std::size_t index) {
    std::string scenario = text_at(report, {"scenario", "name"});
    std::string relay = text_at(report, {"relay", "kind"});
    const std::string address = text_at(report, {"relay", "address"});
    if (!address.empty()) relay += relay.empty() ? address : " " + address;
    if (scenario.empty() && relay.empty()) return run_name(index);
    if (scenario.empty()) return relay;
    if (relay.empty()) return scenario;
    return scenario + " (" + relay + ")";
}

std::vector<std::string> column_labels(const std::vector<nlohmann::json>& reports,
                                       const std::vector<std::string>& labels) {
    if (labels.size() > reports.size())
        throw std::invalid_argument(std::to_string(labels.size()) + " labels for " +
                                    std::to_string(reports.size()) + " runs");
    std::vector<std::string> result;
    std::map<std::string, std::size_t> given;  // label -> run index
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i].empty()) continue;
        auto [it, inserted] = given.emplace(labels[i], i);
        if (!inserted)
            throw std::invalid_argument("the label '" + labels[i] + "' names both " +
                                        run_name(it->second) + " and " + run_name(i));
    }
    std::map<std::string, std::size_t> used;
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const bool label_given = i < labels.size() && !labels[i].empty();
        std::string label = label_given ? labels[i] : default_label(reports[i], i);
        // Two runs of one scenario on one address (a rerun) would share a default label, or a
        // default could equal a label given for another run: a column must say which run it is.
        if (!label_given && (used.contains(label) || given.contains(label)))
            label += " #" + std::to_string(i + 1);
        used.emplace(label, i);
        result.push_back(std::move(label));
    }
    return result;
}

nlohmann::json run_summary(const nlohmann::json& report, const std::string& label) {
    nlohmann::json run = {{"label", label}, {"file", nullptr}};
    const std::string scenario = text_at(report, {"scenario", "name"});
    run["scenario"] = scenario.empty() ? nlohmann::json(nullptr) : nlohmann::json(scenario);
    const nlohmann::json* relay = find(report, {"relay"});
    if (relay != nullptr && relay->is_object()) {
        run["relay"] = {{"kind", text_at(report, {"relay", "kind"})},
                        {"address", text_at(report, {"relay", "address"})}};
    } else {
        run["relay"] = nullptr;
    }
    const nlohmann::json* passed = find(report, {"passed"});
    run["passed"] = passed != nullptr && passed->is_boolean() ? *passed : nlohmann::json(nullptr);
    return run;
}

}  // namespace

nlohmann::json compare_reports(const std::vector<nlohmann::json>& reports,
                               const std::vector<std::string>& labels) {
    if (reports.empty()) throw std::invalid_argument("no report to compare");
    for (std::size_t i = 0; i < reports.size(); ++i)
        check_report(reports[i], i);
    const std::vector<std::string> columns = column_labels(reports, labels);

    nlohmann::json runs = nlohmann::json::array();
    for (std::size_t i = 0; i < reports.size(); ++i)
        runs.push_back(run_summary(reports[i], columns[i]));

    nlohmann::json rows = nlohmann::json::array();
    for (const Metric& metric : metrics()) {
        nlohmann::json values = nlohmann::json::array();
        for (const auto& report : reports)
            values.push_back(value_or_null(metric.read(report, metric)));
        rows.push_back({{"path", metric.path},
                        {"label", metric.label},
                        {"better", better_json(metric.better)},
                        {"values", std::move(values)}});
    }
    return {
        {"schema", "relaylab.compare/1"}, {"runs", std::move(runs)}, {"metrics", std::move(rows)}};
}

}  // namespace relaylab::reports
