#include "harness/runner/report_builder.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include "harness/runner/shard_plan.hpp"
#include "reports/expectation.hpp"
#include "reports/report_writers.hpp"

#ifndef RELAYLAB_VERSION
#define RELAYLAB_VERSION "unknown"
#endif

namespace relaylab::runner {

namespace {

std::string_view arrivals_name(load::Arrivals arrivals) {
    switch (arrivals) {
        case load::Arrivals::closed_loop:
            return "closed_loop";
        case load::Arrivals::constant:
            return "constant";
        case load::Arrivals::poisson:
            return "poisson";
    }
    return "closed_loop";
}

nlohmann::json traffic_json(const load::TrafficModel& traffic) {
    nlohmann::json out;
    out["arrivals"] = arrivals_name(traffic.arrivals);
    out["concurrency"] = traffic.concurrency;
    out["rate"] = traffic.arrivals == load::Arrivals::closed_loop ? nlohmann::json(nullptr)
                                                                  : nlohmann::json(traffic.rate);
    out["count"] = traffic.count ? nlohmann::json(*traffic.count) : nlohmann::json(nullptr);
    out["duration_s"] =
        traffic.duration ? nlohmann::json(std::chrono::duration<double>(*traffic.duration).count())
                         : nlohmann::json(nullptr);
    out["ramp_up_s"] = std::chrono::duration<double>(traffic.ramp_up).count();
    return out;
}

// The fake MX presets that model a mailbox provider's policy (scenarios/behaviours/).
constexpr std::array<std::string_view, 3> provider_presets = {"gmail", "yahoo", "outlook"};

}  // namespace

bool uses_deliverability(const scenario::Scenario& scenario) {
    if (scenario.world.spam || scenario.world.recipients) return true;
    if (scenario.relay.kind == scenario::RelayKind::builtin) {
        const relay::RelayConfig& relay = scenario.relay.builtin;
        if (relay.unsubscribe || relay.tracking || !relay.quotas.empty()) return true;
    }
    for (const auto& host : scenario.world.mx) {
        for (auto preset : provider_presets)
            if (host.behaviour_source == "preset " + std::string(preset)) return true;
    }
    return false;
}

nlohmann::json build_report(const scenario::Scenario& scenario, const RunFacts& facts,
                            const nlohmann::json& measured) {
    nlohmann::json report;
    report["schema"] = reports::report_schema_id;
    report["relaylab_version"] = RELAYLAB_VERSION;
    report["scenario"] = {{"name", scenario.name},
                          {"description", scenario.description},
                          {"source", scenario.source.string()},
                          {"seed", scenario.traffic.seed}};
    report["run_id"] = facts.run_id;
    report["started_at"] = facts.started_at;
    report["duration_s"] = std::round(facts.duration_s * 1000) / 1000;
    report["relay"] = {{"kind", facts.relay_kind}, {"address", facts.relay_address}};
    if (!facts.relay_stats.is_null()) report["relay"]["stats"] = facts.relay_stats;
    report["traffic"] = traffic_json(scenario.traffic);
    if (!facts.shard.is_null()) {
        report["shard"] = facts.shard;
        ShardSpec shard{facts.shard.at("index").get<unsigned>(),
                        facts.shard.at("count").get<unsigned>()};
        nlohmann::json& traffic = report["traffic"];
        if (scenario.traffic.count)
            traffic["count"] = shard_message_count(*scenario.traffic.count, shard);
        traffic["concurrency"] = shard_concurrency(scenario.traffic.concurrency, shard);
        if (traffic["rate"].is_number())
            traffic["rate"] = scenario.traffic.rate / static_cast<double>(shard.count);
    }

    nlohmann::json totals = measured.value("totals", nlohmann::json::object());
    auto count = [&](const char* key) { return totals.value(key, std::uint64_t{0}); };
    std::uint64_t accepted = count("accepted");
    std::uint64_t done = count("delivered") + count("bounced");
    std::uint64_t unaccounted = accepted > done ? accepted - done : 0;
    std::uint64_t in_flight =
        facts.send_only ? unaccounted : std::min(unaccounted, facts.relay_queue_depth.value_or(0));
    totals["in_flight"] = in_flight;
    totals["lost"] = unaccounted - in_flight;
    report["totals"] = {{"submitted", count("submitted")}, {"accepted", accepted},
                        {"rejected", count("rejected")},   {"delivered", count("delivered")},
                        {"deferred", count("deferred")},   {"bounced", count("bounced")},
                        {"lost", totals["lost"]},          {"duplicates", count("duplicates")},
                        {"in_flight", in_flight}};
    for (const char* key : {"throughput", "latency_ms", "domains", "replies", "failures", "auth"})
        report[key] = measured.value(key, nlohmann::json::object());
    if (!report["domains"].is_array()) report["domains"] = nlohmann::json::array();
    nlohmann::json tls = measured.value("tls", nlohmann::json::object());
    tls["submission"] = facts.submission_tls;
    report["tls"] = std::move(tls);

    nlohmann::json world = facts.world;
    nlohmann::json hosts_accepted = measured.value("hosts_accepted", nlohmann::json::object());
    if (world.contains("mx"))
        for (auto& host : world["mx"])
            host["accepted"] = hosts_accepted.value(host.value("name", ""), std::uint64_t{0});
    report["world"] = std::move(world);
    if (!facts.deliverability.is_null()) report["deliverability"] = facts.deliverability;
    report["expectations"] = nlohmann::json::array();
    report["passed"] = false;
    report["error"] = facts.error ? nlohmann::json(*facts.error) : nlohmann::json(nullptr);
    return report;
}

bool judge_expectations(const scenario::Scenario& scenario, nlohmann::json& report) {
    std::vector<reports::ExpectationResult> results;
    bool all = true;
    for (const auto& expectation : scenario.expect) {
        results.push_back(reports::evaluate(expectation, report));
        all = all && results.back().passed;
    }
    report["expectations"] = reports::to_json(results);
    bool passed = all && report["error"].is_null();
    report["passed"] = passed;
    return passed;
}

}  // namespace relaylab::runner
