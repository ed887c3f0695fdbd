// relaylab sink: accept every message, count it, discard it (Postfix smtp-sink's job).
#include <atomic>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "harness/cli/commands.hpp"
#include "harness/cli/server_options.hpp"

namespace relaylab::cli {

namespace {

using Clock = std::chrono::steady_clock;

const CommandSpec& spec() {
    static const CommandSpec spec = [] {
        CommandSpec s{
            .name = "sink",
            .synopsis = "[--listen ADDR:PORT] [options]",
            .summary = "accept every message, count it and discard it",
            .description =
                "An SMTP server that accepts every message, counts it and throws it away, for\n"
                "load tests of senders and relays. It prints 'listening on ADDR:PORT' once ready,\n"
                "runs until SIGINT/SIGTERM, --count messages or --duration seconds, then prints\n"
                "what it received (one JSON object with --json).",
            .options =
                {
                    {"--count", "N", "exit after N messages"},
                    {"--duration", "SECONDS", "exit after this long"},
                    {"--json", "", "print the final counts as one JSON object"},
                },
        };
        add_server_options(s);
        return s;
    }();
    return spec;
}

int sink(const ParsedArgs& args) {
    net::SmtpServerConfig config = server_options(args);
    config.session.keep_content = false;
    std::uint64_t stop_after = args.get_uint("--count", 0);
    double duration = args.get_double("--duration", 0, 0, 31'536'000);
    std::atomic<std::int64_t> first_ns{0};
    std::atomic<std::int64_t> last_ns{0};
    config.on_message = [&](smtp::ReceivedMessage&&, const net::TlsInfo&) {
        std::int64_t now = Clock::now().time_since_epoch().count();
        std::int64_t zero = 0;
        first_ns.compare_exchange_strong(zero, now, std::memory_order_relaxed);
        last_ns.store(now, std::memory_order_relaxed);
    };
    block_stop_signals();
    net::SmtpServer server(config);
    try {
        server.start();
    } catch (const std::exception& e) {
        throw RunError(e.what());
    }
    std::cout << "listening on " << config.listeners[0].address << ':' << server.port(0)
              << std::endl;
    if (config.listeners.size() > 1) {
        std::cout << "listening (implicit TLS) on " << config.listeners[1].address << ':'
                  << server.port(1) << std::endl;
    }
    auto started = Clock::now();
    for (;;) {
        if (wait_for_signal(std::chrono::milliseconds(50))) break;
        if (stop_after != 0 && server.stats().messages >= stop_after) break;
        if (duration > 0 &&
            std::chrono::duration<double>(Clock::now() - started).count() >= duration) {
            break;
        }
    }
    server.stop();
    const auto& stats = server.stats();
    double active_s = first_ns && last_ns > first_ns ? static_cast<double>(last_ns - first_ns) *
                                                           Clock::period::num / Clock::period::den
                                                     : 0;
    double rate = active_s > 0 ? static_cast<double>(stats.messages - 1) / active_s : 0;
    if (args.has("--json")) {
        nlohmann::json out = {
            {"messages", stats.messages.load()},
            {"bytes", stats.bytes.load()},
            {"connections", stats.connections.load()},
            {"refused_connections", stats.refused_connections.load()},
            {"refused_client_connections", stats.refused_client_connections.load()},
            {"accept_failures", stats.accept_failures.load()},
            {"timeouts", stats.timeouts.load()},
            {"tls_failures", stats.tls_failures.load()},
            {"msgs_per_s", rate},
        };
        std::cout << out.dump() << std::endl;
    } else {
        std::cout << "messages " << stats.messages << ", bytes " << stats.bytes << ", connections "
                  << stats.connections << " (refused " << stats.refused_connections << ", timeouts "
                  << stats.timeouts << ", TLS failures " << stats.tls_failures << "), "
                  << std::fixed << std::setprecision(1) << rate << " msgs/s while receiving"
                  << std::endl;
    }
    return exit_ok;
}

}  // namespace

int sink_main(const Args& args) {
    return run_command(spec(), args, sink);
}

}  // namespace relaylab::cli
