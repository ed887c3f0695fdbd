// One run of a scenario, start to finish: build the world, drive the traffic through the relay
// under test, drain, judge the expectations, write report.json, report.html and junit.xml.
// `relaylab run` is a thin CLI over run_scenario().
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/runner/progress.hpp"
#include "harness/runner/shard_plan.hpp"
#include "harness/scenario/scenario.hpp"

namespace relaylab::runner {

struct RunOptions {
    std::filesystem::path report_dir = "relaylab-report";
    ProgressStyle progress = ProgressStyle::lines;
    std::size_t terminal_width = 100;
    // `--dashboard ADDR:PORT`: serve the live page there.
    std::optional<std::pair<std::string, std::uint16_t>> dashboard;
    // Keep the work folder (spool, generated keys, test CA) instead of removing it.
    bool keep_work_dir = false;
    // This run is one shard of a sharded run (shard_plan.hpp): it sends its part of the
    // traffic and its report carries a `shard` section for `relaylab report merge`. Its
    // expectations are judged on its part for the record, but they speak of the whole run:
    // only the merge's verdict decides, so a shard exits 0 unless it broke (3).
    std::optional<ShardSpec> shard;
    // "sha256:<hex>" of the scenario as run (file and overrides): shards of one run agree.
    std::string scenario_digest;
    // The tracking ids' prefix; empty: a new random one (or, sharded, derived_run_id).
    std::string run_id;
    // The generator role: send and stop, without waiting for deliveries (the receivers are
    // someone else's, read by the merge). Only with an external relay.
    bool send_only = false;
    // An external relay that refuses connections at the start is waited for this long (a pod
    // started before the receivers were ready); 0: one attempt, then the run breaks (exit 3).
    std::chrono::milliseconds relay_wait{0};
};

struct RunResult {
    nlohmann::json report;
    int exit_code = 0;  // 0 all expectations held, 1 one failed, 3 the run broke
    std::filesystem::path report_dir;
};

// `status` receives the human-readable lines (where things listen, progress, the summary).
// The scenario has been validated (a ScenarioError never comes from here).
RunResult run_scenario(const scenario::Scenario& scenario, const RunOptions& options,
                       std::ostream& status);

// The end-of-run summary (k6-style): totals, rates, latency, expectations with ✓/✗.
std::string format_summary(const nlohmann::json& report);

}  // namespace relaylab::runner
