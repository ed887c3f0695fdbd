// relaylab sink: accept every message, count it, discard it (Postfix smtp-sink's job).
#include <atomic>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "harness/cli/commands.hpp"
#include "harness/cli/server_options.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::cli {

namespace {

using Clock = std::chrono::steady_clock;

// What the sink took, counted where a message is accepted: in on_message, or with --count in
// the data_end decision, where the Nth 250 is reserved before it is sent.
struct SinkCounts {
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::int64_t> first_ns{0};
    std::atomic<std::int64_t> last_ns{0};

    void record(std::uint64_t size) {
        bytes.fetch_add(size, std::memory_order_relaxed);
        std::int64_t now = Clock::now().time_since_epoch().count();
        std::int64_t zero = 0;
        first_ns.compare_exchange_strong(zero, now, std::memory_order_relaxed);
        last_ns.store(now, std::memory_order_relaxed);
    }

    // Takes one of `limit` acceptances; false once all are taken. A compare-exchange, not a
    // check then an increment: sessions on several io threads race for the last one, and
    // exactly `limit` may win (`sink --count`, as `fake-mx --count`).
    bool reserve(std::uint64_t limit) {
        std::uint64_t taken = messages.load(std::memory_order_relaxed);
        do {
            if (taken >= limit) return false;
        } while (!messages.compare_exchange_weak(taken, taken + 1, std::memory_order_relaxed));
        return true;
    }
};

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
                    {"--count", "N", "accept exactly N messages (421 beyond), then exit"},
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
    SinkCounts counts;
    if (stop_after == 0) {
        // The fast path: the session's own 250, no decision to wait for.
        config.on_message = [&](smtp::ReceivedMessage&& message, const net::TlsInfo&) {
            counts.messages.fetch_add(1, std::memory_order_relaxed);
            counts.record(message.size);
        };
    } else {
        // Exactly N: decided at the end of the data, so a message beyond N never gets a 250
        // (polling the count afterwards let every session keep accepting until the stop).
        config.session.decisions |= static_cast<unsigned>(smtp::Phase::data_end);
        config.decide =
            [&](net::DecisionContext& context) -> boost::asio::awaitable<smtp::Decision> {
            smtp::Decision decision;
            if (context.phase != smtp::Phase::data_end) co_return decision;
            if (!counts.reserve(stop_after)) {
                // RFC 5321 3.8: 421 and close; the client tries again later or elsewhere.
                decision.reply = smtp::Reply{421, "4.3.2", {"service shutting down"}};
                decision.disconnect = true;
                co_return decision;
            }
            counts.record(context.session.message().size);
            co_return decision;
        };
    }
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
        if (stop_after != 0 && counts.messages.load() >= stop_after) break;
        if (duration > 0 &&
            std::chrono::duration<double>(Clock::now() - started).count() >= duration) {
            break;
        }
    }
    server.stop();
    const auto& stats = server.stats();
    std::int64_t first_ns = counts.first_ns.load();
    std::int64_t last_ns = counts.last_ns.load();
    std::uint64_t messages = counts.messages.load();
    double active_s = first_ns && last_ns > first_ns ? static_cast<double>(last_ns - first_ns) *
                                                           Clock::period::num / Clock::period::den
                                                     : 0;
    double rate = active_s > 0 ? static_cast<double>(messages - 1) / active_s : 0;
    if (args.has("--json")) {
        nlohmann::json out = {
            {"messages", messages},
            {"bytes", counts.bytes.load()},
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
        std::cout << "messages " << messages << ", bytes " << counts.bytes << ", connections "
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
