// relaylab send: SMTP load at a server, closed or open loop, with latency percentiles.
#include <boost/asio/ip/address.hpp>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/cli/client_options.hpp"
#include "harness/cli/commands.hpp"
#include "harness/load/load_generator.hpp"

namespace relaylab::cli {

namespace {

const CommandSpec& spec() {
    static const CommandSpec spec = [] {
        CommandSpec s{
            .name = "send",
            .synopsis = "--server HOST:PORT [options]",
            .summary = "drive SMTP load at a server",
            .description =
                "Sends --count messages to an SMTP server and reports what was accepted, what\n"
                "failed (by reply code) and the per-transaction latency. Closed loop by default\n"
                "(--concurrency sessions, each as fast as replies come back); --rate makes it an\n"
                "open loop (arrivals at a fixed rate, latency counted from the scheduled "
                "arrival).\n"
                "PIPELINING is used when offered. Exit code 0 when every message was accepted,\n"
                "1 when some failed, 3 when no connection could be made.",
            .options =
                {
                    {"--server", "HOST:PORT", "the SMTP server (required)"},
                    {"--count", "N", "messages to send (default 1000)"},
                    {"--concurrency", "C", "connections at once (default 10)"},
                    {"--rate", "R", "open loop: R messages per second"},
                    {"--size", "BYTES", "message size, headers included (default 1024)"},
                    {"--messages-per-connection", "N", "new connection after N messages (0: none)"},
                    {"--from", "ADDR", "envelope sender; {n} is the message number"},
                    {"--to", "ADDR", "recipient; {n} is the message number"},
                    {"--threads", "N", "io threads (default 1)"},
                    {"--json", "", "print the summary as one JSON object"},
                },
        };
        add_client_options(s);
        return s;
    }();
    return spec;
}

std::string format_ms(double value) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(value < 10 ? 3 : 1) << value;
    return out.str();
}

int send(const ParsedArgs& args) {
    auto server_text = args.get("--server");
    if (!server_text) throw UsageError("--server HOST:PORT is required");
    load::LoadConfig config;
    config.server = resolve_endpoint("--server", *server_text);
    config.count = args.get_uint("--count", 1000, 1, 100'000'000);
    config.concurrency = args.get_uint("--concurrency", 10, 1, 10'000);
    if (args.has("--rate")) config.rate = args.get_double("--rate", 0, 0.001, 10'000'000);
    config.messages_per_connection = args.get_uint("--messages-per-connection", 0, 0, UINT32_MAX);
    config.threads = static_cast<unsigned>(args.get_uint("--threads", 1, 1, 64));
    config.message.size = args.get_uint("--size", 1024, 1, 1024ull * 1024 * 1024);
    config.message.from = args.get_or("--from", "sender{n}@relaylab.test");
    config.message.to = args.get_or("--to", "rcpt{n}@example.test");
    config.connection = client_options(args, parse_host_port("--server", *server_text).host);

    load::LoadResult result = load::run_load(config);

    std::uint64_t failed = 0;
    for (const auto& [key, n] : result.failed)
        failed += n;
    if (args.has("--json")) {
        nlohmann::json out = {
            {"sent", result.sent},
            {"failed", result.failed},
            {"msgs_per_s", result.msgs_per_s},
            {"latency_ms",
             {{"p50", result.latency.p50},
              {"p90", result.latency.p90},
              {"p99", result.latency.p99},
              {"max", result.latency.max}}},
            {"duration_s", result.duration_s},
            {"connections", result.connections},
            {"tls", result.tls_versions},
        };
        if (!result.first_error.empty()) out["first_error"] = result.first_error;
        std::cout << out.dump() << std::endl;
    } else {
        std::cout << "sent " << result.sent << ", failed " << failed << ", " << std::fixed
                  << std::setprecision(1) << result.msgs_per_s << " msgs/s over "
                  << std::setprecision(2) << result.duration_s << " s, " << result.connections
                  << " connections\n";
        std::cout << "latency ms: p50 " << format_ms(result.latency.p50) << "  p90 "
                  << format_ms(result.latency.p90) << "  p99 " << format_ms(result.latency.p99)
                  << "  max " << format_ms(result.latency.max) << '\n';
        if (failed > 0) {
            std::cout << "failed by reply:";
            for (const auto& [key, n] : result.failed)
                std::cout << ' ' << key << '=' << n;
            std::cout << '\n';
        }
        for (const auto& [version, n] : result.tls_versions) {
            std::cout << "tls: " << version << " on " << n << " connections\n";
        }
        if (!result.first_error.empty()) std::cout << "first error: " << result.first_error << '\n';
    }
    if (result.sent == 0 && result.connect_failures > 0 &&
        result.connect_failures == result.connections) {
        return exit_run_broken;
    }
    return failed == 0 ? exit_ok : exit_expectation_failed;
}

}  // namespace

int send_main(const Args& args) {
    return run_command(spec(), args, send);
}

}  // namespace relaylab::cli
