// merge_shard_reports: checks that the shards belong together, then adds them up field by
// field (merge_fields.hpp), re-bins the timeline on wall-clock seconds, adds the raw latency
// histograms, joins the receivers' captures (receiver_join.hpp) and judges the expectations
// again on the merged document.
#include "reports/merge/shard_merge.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "harness/load/latency_histogram.hpp"
#include "harness/runner/latency_report.hpp"
#include "harness/runner/timeline.hpp"
#include "reports/expectation.hpp"
#include "reports/merge/merge_fields.hpp"
#include "reports/merge/receiver_join.hpp"
#include "reports/report_writers.hpp"

namespace relaylab::reports {

namespace {

using merge::count_at;
using merge::Origin;

// A message list of indices stays one readable line however many shards are missing.
constexpr std::size_t max_listed_indices = 20;

std::string shown(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct Shard {
    const ShardReport* input = nullptr;
    std::uint64_t index = 0;
    std::uint64_t started_ms = 0;
    bool generator = false;
    load::LatencyHistogram submit;
    load::LatencyHistogram end_to_end;

    const nlohmann::json& report() const { return input->report; }
    const nlohmann::json& section() const { return input->report["shard"]; }
    Origin origin() const { return Origin{input->source, ""}; }
};

const nlohmann::json& field(const nlohmann::json& object, const char* key) {
    static const nlohmann::json absent;
    if (!object.is_object()) return absent;
    auto it = object.find(key);
    return it == object.end() ? absent : *it;
}

// A number of seconds the shard wrote (duration_s, last_accept_s): absent reads 0.
double seconds_at(const nlohmann::json& object, const char* key, const Origin& origin) {
    const nlohmann::json& value = field(object, key);
    if (value.is_null()) return 0;
    if (!value.is_number() || !(value.get<double>() >= 0) || !std::isfinite(value.get<double>()))
        origin.at(key).fail("want a number of seconds, got " + shown(value));
    return value.get<double>();
}

load::LatencyHistogram decode_histogram(const nlohmann::json& section, const char* name,
                                        const Origin& origin) {
    const Origin here = origin.at("shard").at("histograms").at(name);
    load::HistogramJsonError error = load::HistogramJsonError::none;
    std::string where;
    auto histogram = load::LatencyHistogram::from_json(field(field(section, "histograms"), name),
                                                       &error, &where);
    if (!histogram)
        Origin{here.source, here.pointer + where}.fail("not a histogram: " +
                                                       std::string(load::describe(error)));
    return std::move(*histogram);
}

Shard check_shard(const ShardReport& input) {
    const Origin origin{input.source, ""};
    const nlohmann::json& report = input.report;
    if (!report.is_object()) origin.fail("not a report.json object");
    const nlohmann::json& schema = field(report, "schema");
    if (!schema.is_string() || schema.get<std::string>() != report_schema_id)
        origin.at("schema").fail("is " +
                                 (schema.is_null() ? std::string("missing") : shown(schema)) +
                                 ", want \"" + std::string(report_schema_id) + "\"");
    const nlohmann::json& section = field(report, "shard");
    if (!section.is_object())
        origin.at("shard").fail(
            "not a shard report: no \"shard\" section (a report of `relaylab run --shard I/N`)");
    const Origin at_shard = origin.at("shard");
    for (const char* key : {"index", "count", "started_at_unix_ms"})
        if (!field(section, key).is_number_integer())
            at_shard.at(key).fail("want a whole number, got " + shown(field(section, key)));
    Shard shard;
    shard.input = &input;
    shard.index = count_at(section, "index", at_shard);
    const std::uint64_t count = count_at(section, "count", at_shard);
    if (count == 0 || count > max_merged_shards)
        at_shard.at("count").fail("want 1 to " + std::to_string(max_merged_shards) +
                                  " shards, got " + std::to_string(count));
    if (shard.index >= count)
        at_shard.at("index").fail("index " + std::to_string(shard.index) + " is out of range for " +
                                  std::to_string(count) + " shards");
    // The receiver join counts shard I's arrivals as the numbers n with (n - 1) mod N == I:
    // a shard that says it sent other numbers cannot be joined (nor merged as this index).
    const nlohmann::json& numbers = field(section, "numbers");
    if (!numbers.is_object() || field(numbers, "first") != shard.index + 1 ||
        field(numbers, "stride") != count)
        at_shard.at("numbers").fail("want {\"first\": " + std::to_string(shard.index + 1) +
                                    ", \"stride\": " + std::to_string(count) + "} for shard " +
                                    std::to_string(shard.index) + " of " + std::to_string(count) +
                                    ", got " + shown(numbers));
    if (!field(section, "scenario_digest").is_string())
        at_shard.at("scenario_digest").fail("want the scenario's digest, a string");
    if (!field(field(report, "scenario"), "name").is_string())
        origin.at("scenario").at("name").fail("want the scenario's name, a string");
    if (!field(report, "run_id").is_string()) origin.at("run_id").fail("want a string");
    shard.started_ms = count_at(section, "started_at_unix_ms", at_shard);
    shard.generator = field(section, "role") == "generator";
    shard.submit = decode_histogram(section, "submit", origin);
    shard.end_to_end = decode_histogram(section, "end_to_end", origin);
    return shard;
}

// The fields every shard of one run shares: a difference means files of different runs.
void check_same_run(const Shard& a, const Shard& b) {
    const struct {
        const char* pointer;
        const nlohmann::json* (*get)(const nlohmann::json&);
    } checks[] = {
        {"/scenario/name",
         [](const nlohmann::json& r) { return &field(field(r, "scenario"), "name"); }},
        {"/scenario/seed",
         [](const nlohmann::json& r) { return &field(field(r, "scenario"), "seed"); }},
        {"/shard/scenario_digest",
         [](const nlohmann::json& r) { return &field(field(r, "shard"), "scenario_digest"); }},
        {"/shard/count",
         [](const nlohmann::json& r) { return &field(field(r, "shard"), "count"); }},
        {"/run_id", [](const nlohmann::json& r) { return &field(r, "run_id"); }},
    };
    for (const auto& check : checks) {
        const nlohmann::json& mine = *check.get(b.report());
        const nlohmann::json& theirs = *check.get(a.report());
        if (mine != theirs)
            throw MergeError(b.input->source + ": " + check.pointer + ": " + shown(mine) +
                             " differs from " + shown(theirs) + " in " + a.input->source +
                             ": not shards of one run");
    }
}

std::string index_list(const std::vector<std::uint64_t>& indices) {
    std::string out;
    for (std::size_t i = 0; i < indices.size() && i < max_listed_indices; ++i)
        out += (i ? ", " : "") + std::to_string(indices[i]);
    if (indices.size() > max_listed_indices)
        out += " and " + std::to_string(indices.size() - max_listed_indices) + " more";
    return out;
}

std::string missing_text(const std::vector<std::uint64_t>& missing, std::uint64_t count) {
    const std::string n = std::to_string(count);
    const std::string covered = std::to_string(count - missing.size());
    if (missing.size() == 1)
        return "shard " + index_list(missing) + " of " + n +
               " is missing: its report was not given (the merged figures cover " + covered +
               " of " + n + " shards)";
    return "shards " + index_list(missing) + " of " + n +
           " are missing: their reports were not given (the merged figures cover " + covered +
           " of " + n + " shards)";
}

std::string error_text(const nlohmann::json& error) {
    if (error.is_string()) return error.get<std::string>();
    if (error.is_object() && error.contains("message") && error["message"].is_string())
        return error["message"].get<std::string>();
    return shown(error);
}

double rate(std::uint64_t count, double over_s) {
    // The recorder's rounding: one decimal.
    return over_s > 0 ? std::round(static_cast<double>(count) / over_s * 10) / 10 : 0.0;
}

constexpr std::pair<const char*, runner::TimelineSeries> timeline_series[] = {
    {"submitted", runner::TimelineSeries::submitted},
    {"accepted", runner::TimelineSeries::accepted},
    {"rejected", runner::TimelineSeries::rejected},
    {"delivered", runner::TimelineSeries::delivered},
    {"deferred", runner::TimelineSeries::deferred},
    {"bounced", runner::TimelineSeries::bounced},
};

// Each shard's steps placed at its own start (after the earliest) plus their t: a step of a
// shard that started 2.4 s late counts from 2.4 s on the merged axis. A step is placed whole
// at its start, so a shard whose own step had doubled past the merged step puts its counts in
// the first merged step of its span (the totals stay exact; the shape is as coarse as the
// shard's own).
void add_timeline(runner::Timeline& timeline, const Shard& shard, double offset_s) {
    const Origin origin = shard.origin().at("throughput").at("timeline");
    const nlohmann::json& points = field(field(shard.report(), "throughput"), "timeline");
    if (points.is_null()) return;
    if (!points.is_array()) origin.fail("want an array of steps");
    for (std::size_t i = 0; i < points.size(); ++i) {
        const Origin here = origin.at(std::to_string(i));
        const double t = seconds_at(points[i], "t", here);
        for (const auto& [name, series] : timeline_series) {
            const std::uint64_t n = count_at(points[i], name, here);
            if (n > 0) timeline.add(offset_s + t, series, n);
        }
    }
}

constexpr const char* total_keys[] = {"submitted", "accepted",   "rejected",
                                      "delivered", "deferred",   "bounced",
                                      "lost",      "duplicates", "in_flight"};

std::vector<ExpectationResult> judge(const nlohmann::json& expectations,
                                     const nlohmann::json& report) {
    std::vector<ExpectationResult> results;
    if (!expectations.is_array()) return results;
    for (const nlohmann::json& entry : expectations) {
        const std::string text = field(entry, "expected").is_string()
                                     ? field(entry, "expected").get<std::string>()
                                     : std::string();
        const std::string name =
            field(entry, "name").is_string() ? field(entry, "name").get<std::string>() : text;
        std::string error;
        auto expectation = parse_expectation(text, &error);
        if (!expectation) {
            // Not judged is not passed: the merged verdict must not go green on it.
            results.push_back(
                {name, text, "cannot be judged again: " + error, std::nullopt, false});
            continue;
        }
        expectation->name = name;
        results.push_back(evaluate(*expectation, report));
    }
    return results;
}

}  // namespace

MergeResult merge_shard_reports(const std::vector<ShardReport>& inputs,
                                const std::vector<ReceiverCapture>& receivers) {
    if (inputs.empty()) throw MergeError("no shard reports given");
    if (inputs.size() > max_merged_shards)
        throw MergeError(std::to_string(inputs.size()) + " shard reports: at most " +
                         std::to_string(max_merged_shards) + " can be merged");

    std::vector<Shard> shards;
    shards.reserve(inputs.size());
    std::map<std::uint64_t, const Shard*> by_index;
    for (const ShardReport& input : inputs) {
        shards.push_back(check_shard(input));
        check_same_run(shards.front(), shards.back());
    }
    for (const Shard& shard : shards) {
        auto [it, fresh] = by_index.emplace(shard.index, &shard);
        if (!fresh)
            throw MergeError(shard.input->source + ": /shard/index: index " +
                             std::to_string(shard.index) + " is also in " +
                             it->second->input->source);
    }
    std::sort(shards.begin(), shards.end(),
              [](const Shard& a, const Shard& b) { return a.index < b.index; });
    const Shard& first = shards.front();
    const std::uint64_t count = count_at(first.section(), "count", first.origin());

    // The lowest index's report is the frame: scenario, relay, world, settings stay its own.
    nlohmann::json merged = first.report();
    merged.erase("shard");

    std::uint64_t earliest_ms = first.started_ms;
    for (const Shard& shard : shards)
        earliest_ms = std::min(earliest_ms, shard.started_ms);
    const auto offset_s = [&](const Shard& shard) {
        return static_cast<double>(shard.started_ms - earliest_ms) / 1000;
    };

    std::map<std::string, std::uint64_t> totals;
    nlohmann::json domains = nlohmann::json::array();
    nlohmann::json counted = nlohmann::json::object();  // replies, failures, auth, tls
    nlohmann::json deliverability;
    double score_sum = 0;
    nlohmann::json traffic;
    double end_s = 0, accept_end_s = 0, delivery_end_s = 0;
    load::LatencyHistogram submit, end_to_end;
    runner::Timeline timeline;
    nlohmann::json failed = nlohmann::json::array();
    std::vector<std::string> problems;
    std::vector<std::uint64_t> failed_indices;
    std::vector<merge::ShardFacts> facts(count);

    for (const Shard& shard : shards) {
        const nlohmann::json& report = shard.report();
        const Origin origin = shard.origin();
        const double offset = offset_s(shard);
        const Origin at_totals = origin.at("totals");
        merge::ShardFacts& fact = facts[shard.index];
        fact.present = true;
        fact.generator = shard.generator;
        for (const char* key : total_keys) {
            const std::uint64_t n = count_at(field(report, "totals"), key, at_totals);
            totals[key] += n;
        }
        fact.accepted = count_at(field(report, "totals"), "accepted", at_totals);
        fact.not_delivered = count_at(field(report, "totals"), "lost", at_totals) +
                             count_at(field(report, "totals"), "bounced", at_totals) +
                             count_at(field(report, "totals"), "in_flight", at_totals);
        merge::add_domains(domains, field(report, "domains"), origin.at("domains"));
        for (const char* key : {"replies", "failures", "auth", "tls"})
            merge::add_counts(counted[key], field(report, key), origin.at(key));
        if (&shard != &first)
            merge::add_world_accepted(merged["world"], field(report, "world"), origin.at("world"));
        if (&shard == &first)
            traffic = field(report, "traffic");
        else
            merge::add_traffic(traffic, field(report, "traffic"), origin.at("traffic"));
        if (report.contains("deliverability")) {
            merge::add_deliverability(deliverability, report["deliverability"],
                                      origin.at("deliverability"));
            score_sum += merge::score_sum_of(report["deliverability"]);
        }

        end_s = std::max(end_s, offset + seconds_at(report, "duration_s", origin));
        const double last_accept = seconds_at(shard.section(), "last_accept_s", origin.at("shard"));
        const double last_delivery =
            seconds_at(shard.section(), "last_delivery_s", origin.at("shard"));
        if (last_accept > 0) accept_end_s = std::max(accept_end_s, offset + last_accept);
        if (last_delivery > 0) delivery_end_s = std::max(delivery_end_s, offset + last_delivery);
        add_timeline(timeline, shard, offset);
        submit.merge(shard.submit);
        end_to_end.merge(shard.end_to_end);

        // Its run broke (exit 3): its figures are real as far as it got, so they are merged,
        // and the merged report says which shard broke and why.
        if (const nlohmann::json& error = field(report, "error"); !error.is_null()) {
            failed.push_back({{"index", shard.index}, {"error", error_text(error)}});
            failed_indices.push_back(shard.index);
            problems.push_back("shard " + std::to_string(shard.index) + " of " +
                               std::to_string(count) + " broke: " + error_text(error));
        }
    }

    std::vector<std::uint64_t> missing;
    nlohmann::json merged_indices = nlohmann::json::array();
    nlohmann::json sources = nlohmann::json::array();
    for (std::uint64_t i = 0; i < count; ++i) {
        if (facts[i].present)
            merged_indices.push_back(i);
        else
            missing.push_back(i);
    }
    for (const Shard& shard : shards)
        sources.push_back(shard.input->source);
    if (!missing.empty()) problems.insert(problems.begin(), missing_text(missing, count));

    // The receivers' join. One that could not be asked drops the whole join: the others'
    // union would call the messages it holds missing.
    nlohmann::json shards_section = {{"count", count},
                                     {"merged", merged_indices},
                                     {"missing", missing},
                                     {"failed", failed},
                                     {"sources", sources}};
    if (!receivers.empty()) {
        std::vector<ReceiverCapture> answered;
        bool all_answered = true;
        for (const ReceiverCapture& capture : receivers) {
            if (capture.error.empty()) continue;
            all_answered = false;
            problems.push_back("receiver " + capture.source + ": " + capture.error +
                               " (the receiver join is left out)");
        }
        if (all_answered) {
            std::optional<std::uint64_t> planned_total;
            for (const Shard& shard : shards) {
                const nlohmann::json& total =
                    field(field(shard.section(), "numbers"), "planned_total");
                if (total.is_number_unsigned() ||
                    (total.is_number_integer() && total.get<std::int64_t>() >= 0))
                    planned_total = total.get<std::uint64_t>();
            }
            const std::string run_id = merged["run_id"].get<std::string>();
            merge::JoinOutcome join =
                merge::join_receivers(receivers, run_id, facts, planned_total);
            problems.insert(problems.end(), join.problems.begin(), join.problems.end());
            // Generator shards only sent: what arrived is the receivers' to tell. One recipient
            // per message is assumed (tracking ids number messages, not recipients), so for
            // generator shards delivered counts messages.
            const bool external_silent =
                totals["delivered"] == 0 && field(merged["relay"], "kind") != "builtin";
            const bool generators = std::all_of(shards.begin(), shards.end(),
                                                [](const Shard& s) { return s.generator; });
            if (generators || external_silent) {
                totals["delivered"] = join.arrived_present;
                totals["duplicates"] += join.duplicates;
                totals["lost"] = totals["accepted"] > join.arrived_present
                                     ? totals["accepted"] - join.arrived_present
                                     : 0;
                // The shards counted what they handed over as in flight; the receivers have
                // now said what arrived, and what did not is lost: nothing is in flight.
                totals["in_flight"] = 0;
                join.section["delivered_from_receivers"] = true;
            }
            shards_section["receivers"] = std::move(join.section);
        }
    }

    nlohmann::json totals_json = nlohmann::json::object();
    for (const char* key : total_keys)
        totals_json[key] = totals[key];
    merged["totals"] = std::move(totals_json);
    merged["domains"] = std::move(domains);
    for (auto it = counted.begin(); it != counted.end(); ++it)
        merged[it.key()] = it.value().is_null() ? nlohmann::json::object() : it.value();
    merged["traffic"] = std::move(traffic);
    if (!deliverability.is_null()) {
        merge::finish_deliverability(deliverability, score_sum);
        merged["deliverability"] = std::move(deliverability);
    }

    const Shard& earliest = *std::min_element(
        shards.begin(), shards.end(),
        [](const Shard& a, const Shard& b) { return a.started_ms < b.started_ms; });
    merged["started_at"] = field(earliest.report(), "started_at");
    merged["duration_s"] = std::round(end_s * 1000) / 1000;
    merged["throughput"] = {{"submit_per_s", rate(totals["accepted"], accept_end_s)},
                            {"delivered_per_s", rate(totals["delivered"], delivery_end_s)},
                            {"timeline_step_s", timeline.step_s()},
                            {"timeline", timeline.to_json(end_s)}};
    merged["latency_ms"] = {{"submit", runner::summary_json(submit)},
                            {"end_to_end", runner::summary_json(end_to_end)},
                            {"histograms",
                             {{"submit", runner::coarse_buckets(submit)},
                              {"end_to_end", runner::coarse_buckets(end_to_end)}}}};
    merged["shards"] = std::move(shards_section);

    std::string error;
    for (const std::string& problem : problems)
        error += (error.empty() ? "" : "; ") + problem;
    merged["error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);

    const std::vector<ExpectationResult> results =
        judge(field(first.report(), "expectations"), merged);
    const bool all_held = std::all_of(results.begin(), results.end(),
                                      [](const ExpectationResult& r) { return r.passed; });
    merged["expectations"] = to_json(results);
    merged["passed"] = all_held && error.empty();

    MergeResult result;
    result.exit_code = !problems.empty() ? 3 : all_held ? 0 : 1;
    result.report = std::move(merged);
    return result;
}

}  // namespace relaylab::reports
