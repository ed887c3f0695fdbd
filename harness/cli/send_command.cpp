// relaylab send: SMTP load at a server, closed or open loop, with latency percentiles.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <mutex>
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
                    {"--size", "BYTES",
                     "message size in octets, headers included: exact when at least the "
                     "headers' size (default 1024)"},
                    {"--messages-per-connection", "N", "new connection after N messages (0: none)"},
                    {"--from", "ADDR", "envelope sender; {n} is the message number"},
                    {"--to", "ADDR",
                     "recipient; {n} is the message number, {r} the recipient's (else +r is "
                     "added to the local part of recipients after the first)"},
                    {"--recipients", "N|MIN-MAX|N:W,...",
                     "recipients per message: fixed, uniform, or weighted (default 1)"},
                    {"--threads", "N", "io threads (default 1)"},
                    {"--json", "", "print the summary as one JSON object"},
                    {"--run-id", "ID", "prefix of the tracking ids: ID-n (default run)"},
                    {"--events", "FILE",
                     "write a JSON line per message outcome (accepted/failed, tracking id, queue "
                     "id)"},
                },
        };
        add_client_options(s);
        return s;
    }();
    return spec;
}

constexpr std::size_t max_run_id_length = 64;

// --events FILE: one JSON line per message outcome, the record a crash test or a report
// matches against what arrived (by tracking id). Events come from every io thread.
class MessageEventFile {
  public:
    explicit MessageEventFile(const std::string& path) : file_(std::fopen(path.c_str(), "w")) {
        if (!file_) throw UsageError("--events: cannot open " + path + " for writing");
    }
    ~MessageEventFile() { close(); }
    void write(const load::MessageEvent& event) {
        if (event.kind == load::EventKind::submitted) return;
        nlohmann::json line = {{"event", load::to_string(event.kind)},
                               {"n", event.number},
                               {"tracking_id", event.tracking_id}};
        if (event.kind == load::EventKind::accepted) {
            line["queue_id"] = event.queue_id;
        } else {
            line["failure"] = event.failure_key;
            line["content_sent"] = event.content_sent;
        }
        std::string text = line.dump() + "\n";
        std::lock_guard lock(mutex_);
        if (file_) std::fwrite(text.data(), 1, text.size(), file_);
    }
    void close() {
        std::lock_guard lock(mutex_);
        if (file_) std::fclose(file_);
        file_ = nullptr;
    }

  private:
    std::mutex mutex_;
    std::FILE* file_;
};

std::string format_ms(double value) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(value < 10 ? 3 : 1) << value;
    return out.str();
}

int send(const ParsedArgs& args) {
    auto server_text = args.get("--server");
    if (!server_text) throw UsageError("--server HOST:PORT is required");
    load::LoadPlan plan;
    plan.endpoints = {resolve_endpoint("--server", *server_text)};
    plan.count = args.get_uint("--count", 1000, 1, 100'000'000);
    plan.concurrency = args.get_uint("--concurrency", 10, 1, 10'000);
    if (args.has("--rate")) plan.rate = args.get_double("--rate", 0, 0.001, 10'000'000);
    plan.messages_per_connection = args.get_uint("--messages-per-connection", 0, 0, UINT32_MAX);
    auto threads = static_cast<unsigned>(args.get_uint("--threads", 1, 1, 64));
    load::MessageTemplate message;
    message.size = args.get_uint("--size", 1024, 1, 1024ull * 1024 * 1024);
    message.from = args.get_or("--from", "sender{n}@relaylab.test");
    message.to = args.get_or("--to", "rcpt{n}@example.test");
    if (auto run_id = args.get("--run-id")) {
        // It goes into a header field: no line breaks or spaces, a bounded length.
        bool ok = !run_id->empty() && run_id->size() <= max_run_id_length &&
                  std::all_of(run_id->begin(), run_id->end(), [](unsigned char c) {
                      return std::isalnum(c) || c == '.' || c == '_' || c == '-';
                  });
        if (!ok) {
            throw UsageError("--run-id: \"" + run_id->substr(0, 80) +
                             "\" must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        message.run_id = *run_id;
    }
    if (auto text = args.get("--recipients")) {
        std::string error;
        auto recipients = load::RecipientCount::parse(*text, &error);
        if (!recipients) throw UsageError("--recipients: " + error);
        message.recipients = *recipients;
    }
    plan.connection = client_options(args, parse_host_port("--server", *server_text).host);

    std::unique_ptr<MessageEventFile> events;
    if (auto path = args.get("--events")) events = std::make_unique<MessageEventFile>(*path);
    load::EventHandler on_event;
    if (events) on_event = [&events](const load::MessageEvent& event) { events->write(event); };
    load::LoadTotals totals =
        load::run_load(plan, std::make_shared<load::TemplateMessageFactory>(std::move(message)),
                       threads, on_event);
    if (events) events->close();
    load::LatencySummary latency = totals.latency.summary();

    if (args.has("--json")) {
        nlohmann::json out = {
            {"sent", totals.accepted},
            {"failed", totals.failed_by},
            {"failed_after_content", totals.failed_after_content},
            {"msgs_per_s", totals.accepted_per_s()},
            {"latency_ms",
             {{"p50", latency.p50},
              {"p90", latency.p90},
              {"p99", latency.p99},
              {"p999", latency.p999},
              {"max", latency.max}}},
            {"duration_s", totals.elapsed_s},
            {"connections", totals.connections},
            {"tls", totals.tls_versions},
        };
        if (!totals.first_error.empty()) out["first_error"] = totals.first_error;
        std::cout << out.dump() << std::endl;
    } else {
        std::cout << "sent " << totals.accepted << ", failed " << totals.failed << ", "
                  << std::fixed << std::setprecision(1) << totals.accepted_per_s()
                  << " msgs/s over " << std::setprecision(2) << totals.elapsed_s << " s, "
                  << totals.connections << " connections\n";
        std::cout << "latency ms: p50 " << format_ms(latency.p50) << "  p90 "
                  << format_ms(latency.p90) << "  p99 " << format_ms(latency.p99) << "  max "
                  << format_ms(latency.max) << '\n';
        if (totals.failed > 0) {
            std::cout << "failed by reply:";
            for (const auto& [key, n] : totals.failed_by)
                std::cout << ' ' << key << '=' << n;
            std::cout << '\n';
        }
        for (const auto& [version, n] : totals.tls_versions) {
            std::cout << "tls: " << version << " on " << n << " connections\n";
        }
        if (!totals.first_error.empty()) std::cout << "first error: " << totals.first_error << '\n';
    }
    if (totals.accepted == 0 && totals.connect_failures > 0 &&
        totals.connect_failures == totals.connections) {
        return exit_run_broken;
    }
    return totals.failed == 0 ? exit_ok : exit_expectation_failed;
}

}  // namespace

int send_main(const Args& args) {
    return run_command(spec(), args, send);
}

}  // namespace relaylab::cli
