// relaylab run [SCENARIO.json]: the scenario runner. Without a scenario, the quickstart
// compiled into the binary (the builtin relay, fixture DNS, three receiving providers, one of
// them greylisting and one rate-limiting). Exit codes: 0 every expectation held, 1 one failed,
// 2 the scenario or the options are wrong (file and JSON pointer named), 3 the run broke.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/cli/commands.hpp"
#include "harness/relay/config/config_values.hpp"
#include "harness/runner/runner.hpp"
#include "harness/runner/shard_plan.hpp"
#include "harness/scenario/scenario_parser.hpp"
#include "probes/auth/dkim_crypto.hpp"

namespace relaylab::cli {

namespace {

const CommandSpec& spec() {
    static const CommandSpec spec{
        .name = "run",
        .synopsis = "[SCENARIO.json] [options]",
        .summary = "run a scenario (default: the quickstart) and write its reports",
        .description =
            "Builds the scenario's world on loopback (fixture DNS, fake MX hosts, the builtin\n"
            "relay unless the scenario or --relay names an external one), drives its traffic,\n"
            "drains, judges its expectations and writes report.json, report.html and junit.xml.\n"
            "Without SCENARIO.json: the quickstart embedded in the binary.\n"
            "Exit code 0 when every expectation held, 1 when one failed, 2 for a bad scenario\n"
            "or option, 3 when the run itself broke.\n"
            "Sharded (--shard I/N, or JOB_COMPLETION_INDEX with --shards N or the scenario's\n"
            "\"shards\"): sends the messages n with (n - 1) mod N == I and writes a shard report\n"
            "for `relaylab report merge`; a shard exits 0 unless it broke, as its expectations\n"
            "speak of the whole run, which the merge judges.",
        .options =
            {
                {"--report-dir", "DIR", "where the reports go (default ./relaylab-report)"},
                {"--relay", "HOST:PORT", "send to this external relay instead of the scenario's"},
                {"--seed", "N", "the seed of every random choice (default: the scenario's)"},
                {"--scale", "F", "multiply the traffic's count or duration by F (0 < F <= 1)"},
                {"--dashboard", "ADDR:PORT", "serve a live page there while the run goes on"},
                {"--quiet", "", "no progress and no summary (reports and exit code only)"},
                {"--keep-work", "", "keep the work folder (spool, keys) and print where it is"},
                {"--shard", "I/N", "run shard I (from 0) of N: its part of the traffic"},
                {"--shards", "N",
                 "with JOB_COMPLETION_INDEX set (a Kubernetes Indexed Job), run that shard of N"},
                {"--run-id", "ID",
                 "the tracking ids' prefix (default RELAYLAB_RUN_ID; sharded: from the scenario)"},
                {"--send-only", "", "generator role: send to the external relay, do not drain"},
                {"--relay-wait", "DURATION",
                 "wait this long (e.g. 2m) for an external relay to take connections (default 0)"},
            },
        .min_positional = 0,
        .max_positional = 1,
        .positional_name = "SCENARIO.json",
    };
    return spec;
}

std::size_t terminal_width() {
    winsize size{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40) return size.ws_col;
    return 100;
}

void apply_overrides(const ParsedArgs& args, scenario::Scenario& scenario) {
    if (args.has("--seed")) scenario.traffic.seed = args.get_uint("--seed", 1, 0, UINT64_MAX);
    if (args.has("--scale")) {
        double scale = args.get_double("--scale", 1, 1e-9, 1);
        if (scenario.traffic.count) {
            auto scaled = static_cast<std::uint64_t>(
                std::ceil(static_cast<double>(*scenario.traffic.count) * scale));
            scenario.traffic.count = std::max<std::uint64_t>(1, scaled);
        }
        if (scenario.traffic.duration) {
            auto ms = static_cast<std::int64_t>(
                std::ceil(static_cast<double>(scenario.traffic.duration->count()) * scale));
            scenario.traffic.duration = std::chrono::milliseconds(std::max<std::int64_t>(1, ms));
        }
    }
    if (auto relay = args.get("--relay")) {
        std::string error;
        // A name is resolved when the run starts (e.g. a Kubernetes Service's name).
        auto host_port = relay::parse_host_port(*relay, relay::HostRule::name_or_address,
                                                relay::PortRule::remote, &error);
        if (!host_port) throw UsageError("--relay " + *relay + ": " + error);
        scenario.relay.kind = scenario::RelayKind::external;
        scenario.relay.external.host = host_port->host;
        scenario.relay.external.port = host_port->port;
    }
}

std::optional<std::pair<std::string, std::uint16_t>> dashboard_listen(const ParsedArgs& args) {
    auto text = args.get("--dashboard");
    if (!text) return std::nullopt;
    std::string error;
    auto host_port = relay::parse_host_port(*text, relay::HostRule::address_literal,
                                            relay::PortRule::listener, &error);
    if (!host_port) throw UsageError("--dashboard " + *text + ": " + error);
    return std::make_pair(host_port->host, host_port->port);
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// "sha256:<hex>" of what the run does: the scenario file's bytes (or the embedded
// quickstart's name) and the overrides that change the traffic or where it goes. Shards of
// one run must agree on it; `relaylab report merge` refuses shards that do not.
std::string scenario_digest(const ParsedArgs& args, const scenario::Scenario& scenario) {
    std::ostringstream material;
    if (args.positional().empty()) {
        material << "(embedded quickstart)";
    } else {
        std::ifstream in(args.positional()[0], std::ios::binary);
        material << in.rdbuf();
    }
    material << "\nseed=" << scenario.traffic.seed << "\ncount="
             << (scenario.traffic.count ? std::to_string(*scenario.traffic.count) : "")
             << "\nduration_ms="
             << (scenario.traffic.duration ? std::to_string(scenario.traffic.duration->count())
                                           : "")
             << "\nrelay=" << scenario.relay.external.host << ":" << scenario.relay.external.port;
    return "sha256:" + hex(auth::sha256(material.str()));
}

std::optional<unsigned> shards_option(const ParsedArgs& args) {
    if (!args.has("--shards")) return std::nullopt;
    return static_cast<unsigned>(args.get_uint("--shards", 1, 1, runner::max_shards));
}

int run(const ParsedArgs& args) {
    scenario::Scenario scenario;
    try {
        scenario = args.positional().empty() ? scenario::embedded_quickstart()
                                             : scenario::load_scenario(args.positional()[0]);
    } catch (const scenario::ScenarioError& e) {
        throw UsageError(e.what());
    }
    apply_overrides(args, scenario);

    runner::RunOptions options;
    options.report_dir = args.get_or("--report-dir", "relaylab-report");
    options.dashboard = dashboard_listen(args);
    options.keep_work_dir = args.has("--keep-work");
    try {
        options.shard = runner::select_shard(args.get("--shard"), shards_option(args),
                                             scenario.shards, std::getenv("JOB_COMPLETION_INDEX"));
        if (auto id = args.get("--run-id"))
            options.run_id = runner::checked_run_id(*id, "--run-id");
        else if (const char* id = std::getenv("RELAYLAB_RUN_ID"); id && *id)
            options.run_id = runner::checked_run_id(id, "RELAYLAB_RUN_ID");
    } catch (const runner::ShardError& e) {
        throw UsageError(e.what());
    }
    options.send_only = args.has("--send-only");
    if (auto text = args.get("--relay-wait")) {
        std::string error;
        auto wait = relay::parse_duration(*text, &error);
        if (!wait || *wait > std::chrono::hours(1))
            throw UsageError("--relay-wait " + *text + ": " + (wait ? "at most 1h" : error));
        options.relay_wait = *wait;
    }
    if (options.send_only && scenario.relay.kind != scenario::RelayKind::external)
        throw UsageError(
            "--send-only needs an external relay (--relay HOST:PORT or the scenario's relay): "
            "the builtin relay's queue would be dropped undelivered at the end");
    options.scenario_digest = scenario_digest(args, scenario);
    bool quiet = args.has("--quiet");
    options.progress = quiet                   ? runner::ProgressStyle::quiet
                       : isatty(STDERR_FILENO) ? runner::ProgressStyle::bar
                                               : runner::ProgressStyle::lines;
    options.terminal_width = terminal_width();

    std::ostream null_stream(nullptr);
    runner::RunResult result =
        runner::run_scenario(scenario, options, quiet ? null_stream : std::cerr);
    if (!quiet) {
        std::cout << runner::format_summary(result.report);
        std::cout << "  reports    " << (result.report_dir / "report.html").string() << ", "
                  << (result.report_dir / "report.json").string() << ", "
                  << (result.report_dir / "junit.xml").string() << std::endl;
    }
    return result.exit_code;
}

}  // namespace

int run_main(const Args& args) {
    return run_command(spec(), args, run);
}

}  // namespace relaylab::cli
