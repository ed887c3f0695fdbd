// One run of a scenario, start to finish: build the world, drive the traffic through the relay
// under test, drain, judge the expectations, write report.json, report.html and junit.xml.
// `relaylab run` is a thin CLI over run_scenario().
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/runner/progress.hpp"
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
