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

    load::LoadConfig config;
    config.server = {boost::asio::ip::make_address("127.0.0.1"), server.port()};
    config.count = args.get_uint("--count", 10000, 1, 100'000'000);
    config.concurrency = args.get_uint("--concurrency", 10, 1, 10'000);
    config.message.size = args.get_uint("--size", 1024, 1, 64ull * 1024 * 1024);
    config.connection.timeouts.every_phase = std::chrono::seconds(30);
    load::LoadResult result = load::run_load(config);
    server.stop();

    std::uint64_t received = server.stats().messages;
    std::uint64_t failed = 0;
    for (const auto& [key, n] : result.failed)
        failed += n;
    bool passed = failed == 0 && received == result.sent && result.sent == config.count;
    if (args.has("--json")) {
        nlohmann::json out = {
            {"sent", result.sent},
            {"failed", result.failed},
            {"received", received},
            {"msgs_per_s", result.msgs_per_s},
            {"latency_ms",
             {{"p50", result.latency.p50},
              {"p90", result.latency.p90},
              {"p99", result.latency.p99},
              {"max", result.latency.max}}},
            {"passed", passed},
        };
        std::cout << out.dump() << std::endl;
    } else {
        std::cout << "relaylab quickstart: " << config.count << " messages of "
                  << config.message.size << " bytes, " << config.concurrency
                  << " sessions, into an in-process sink on 127.0.0.1:" << server.port() << '\n'
                  << "sent " << result.sent << ", failed " << failed << ", received by the sink "
                  << received << '\n'
                  << std::fixed << std::setprecision(1) << result.msgs_per_s
                  << " msgs/s; latency ms p50 " << std::setprecision(3) << result.latency.p50
                  << "  p90 " << result.latency.p90 << "  p99 " << result.latency.p99 << "  max "
                  << result.latency.max << '\n'
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
