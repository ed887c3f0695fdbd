// relaylab run: with no scenario, the quickstart in the embedded world — an in-process sink on
// an ephemeral loopback port, load from the client, and one expectation: every message the
// client saw accepted arrived at the sink, and none failed. (The scenario runner replaces this.)
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness/cli/commands.hpp"
#include "harness/load/load_generator.hpp"
#include "harness/net/smtp_server.hpp"

namespace relaylab::cli {

namespace {

const CommandSpec& spec() {
    static const CommandSpec spec{
        .name = "run",
        .synopsis = "[options]",
        .summary = "run the quickstart in the embedded world",
        .description =
            "Starts a sink on an ephemeral loopback port, sends --count messages to it through\n"
            "the SMTP client and checks that every message arrived. Scenario files come with the\n"
            "scenario runner (not in this version). Exit code 0 when the check held, 1 when not.",
        .options =
            {
                {"--count", "N", "messages (default 10000)"},
                {"--concurrency", "C", "client sessions (default 10)"},
                {"--size", "BYTES", "message size (default 1024)"},
                {"--json", "", "print the summary as one JSON object"},
            },
        .min_positional = 0,
        .max_positional = 1,
        .positional_name = "SCENARIO.json",
    };
    return spec;
}

int run(const ParsedArgs& args) {
    if (!args.positional().empty()) {
        throw UsageError("scenario files are not supported yet ('" + args.positional()[0] +
                         "'); run without one for the quickstart");
    }
    net::SmtpServerConfig sink;
    sink.listeners = {{"127.0.0.1", 0, false}};
    sink.session.keep_content = false;
    net::SmtpServer server(sink);
    try {
        server.start();
    } catch (const std::exception& e) {
        throw RunError(e.what());
    }

    load::LoadPlan plan;
    plan.endpoints = {{boost::asio::ip::make_address("127.0.0.1"), server.port()}};
    plan.count = args.get_uint("--count", 10000, 1, 100'000'000);
    plan.concurrency = args.get_uint("--concurrency", 10, 1, 10'000);
    plan.connection.timeouts.every_phase = std::chrono::seconds(30);
    load::MessageTemplate message;
    message.size = args.get_uint("--size", 1024, 1, 64ull * 1024 * 1024);
    load::LoadTotals totals =
        load::run_load(plan, std::make_shared<load::TemplateMessageFactory>(message));
    server.stop();

    std::uint64_t received = server.stats().messages;
    load::LatencySummary latency = totals.latency.summary();
    bool passed =
        totals.failed == 0 && received == totals.accepted && totals.accepted == plan.count;
    if (args.has("--json")) {
        nlohmann::json out = {
            {"sent", totals.accepted},
            {"failed", totals.failed_by},
            {"received", received},
            {"msgs_per_s", totals.accepted_per_s()},
            {"latency_ms",
             {{"p50", latency.p50},
              {"p90", latency.p90},
              {"p99", latency.p99},
              {"p999", latency.p999},
              {"max", latency.max}}},
            {"passed", passed},
        };
        std::cout << out.dump() << std::endl;
    } else {
        std::cout << "relaylab quickstart: " << plan.count << " messages of " << message.size
                  << " bytes, " << plan.concurrency
                  << " sessions, into an in-process sink on 127.0.0.1:" << server.port() << '\n'
                  << "sent " << totals.accepted << ", failed " << totals.failed
                  << ", received by the sink " << received << '\n'
                  << std::fixed << std::setprecision(1) << totals.accepted_per_s()
                  << " msgs/s; latency ms p50 " << std::setprecision(3) << latency.p50 << "  p90 "
                  << latency.p90 << "  p99 " << latency.p99 << "  max " << latency.max << '\n'
                  << "expectation 'every message delivered': " << (passed ? "passed" : "FAILED")
                  << std::endl;
    }
    return passed ? exit_ok : exit_expectation_failed;
}

}  // namespace

int run_main(const Args& args) {
    return run_command(spec(), args, run);
}

}  // namespace relaylab::cli
