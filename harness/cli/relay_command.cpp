// relaylab relay: the relay engine as a daemon in the foreground. Configuration from
// --config FILE (relay.json, see README), overridden by flags, so a relay starts in one line:
//   relaylab relay --listen 127.0.0.1:2525 --dns 127.0.0.1:5353 --mx-port 2526 --spool q
// Flags become JSON before parsing, so a bad flag value is reported like a bad file value.
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/cli/commands.hpp"
#include "harness/cli/server_options.hpp"
#include "harness/relay/bounce/dkim_signing.hpp"
#include "harness/relay/config/relay_config_json.hpp"
#include "harness/relay/engine/relay_engine.hpp"

namespace relaylab::cli {

namespace {

const CommandSpec& spec() {
    static const CommandSpec spec{
        .name = "relay",
        .synopsis = "[--config FILE] [options]",
        .summary = "run the relay engine (an MTA: spool, MX routing, retries, bounces)",
        .description =
            "Accepts mail on its listeners (relay-in from trusted networks and for relay\n"
            "domains; submission with AUTH), spools it durably (250 only after fsync), and\n"
            "delivers it by MX (or a smarthost) with connection reuse, shaping, retries and\n"
            "DSN bounces. Flags override the file's values. Runs until SIGINT or SIGTERM, then\n"
            "finishes open transactions and closes the spool. Exit code 2 for a bad\n"
            "configuration (the message names the file and JSON pointer), 3 when it cannot run.",
        .options =
            {
                {"--config", "FILE", "relay.json (format in README)"},
                {"--listen", "ADDR:PORT", "relay-in listener (port 0: ephemeral)"},
                {"--submission", "ADDR:PORT", "submission listener (AUTH required)"},
                {"--spool", "DIR", "the queue directory (created if absent)"},
                {"--dns", "ADDR:PORT", "the resolver for MX lookups (never the system's)"},
                {"--mx-port", "PORT", "the TCP port used on MX hosts (default 25)"},
                {"--smarthost", "HOST:PORT", "send all mail there instead of by MX"},
                {"--trusted-networks", "CIDR,...", "may relay anywhere (default loopback)"},
                {"--relay-domains", "D,...", "accepted from anyone (we are their MX)"},
                {"--admin", "ADDR:PORT", "admin HTTP API (loopback)"},
                {"--event-log", "FILE", "JSON-lines event log"},
                {"--hostname", "NAME", "EHLO name, greeting and DSN Reporting-MTA"},
                {"--user", "NAME:PASSWORD", "a submission account", true},
                {"--tls-cert", "FILE", "server certificate chain (PEM) for STARTTLS"},
                {"--tls-key", "FILE", "its private key (PEM)"},
                {"--minimal-backoff", "DURATION", "first retry delay (default 300s)"},
                {"--maximal-backoff", "DURATION", "retry delay cap (default 4000s)"},
                {"--maximal-queue-lifetime", "DURATION", "then bounce as expired (default 5d)"},
                {"--threads", "N", "io threads of the listeners (default 1)"},
                {"--smtpd-timeout", "DURATION",
                 "listeners' command and data timeout (default 300s)"},
                {"--no-fsync", "", "do not sync the spool (benchmarks only: a crash loses mail)"},
                {"--print-config", "", "print the effective configuration as JSON and exit"},
            },
    };
    return spec;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

// The file's JSON (or {}), with each given flag written over its key.
nlohmann::json effective_document(const ParsedArgs& args, std::string& source) {
    nlohmann::json document = nlohmann::json::object();
    source = "command line";
    if (auto path = args.get("--config")) {
        source = *path;
        std::ifstream file(*path);
        if (!file) throw UsageError(*path + ": cannot read the relay configuration");
        try {
            document = nlohmann::json::parse(file);
        } catch (const nlohmann::json::parse_error& e) {
            throw UsageError(*path + ": not JSON: " + e.what());
        }
        if (!document.is_object()) throw UsageError(*path + ": /: the configuration is an object");
    }
    auto set = [&](const char* flag, const nlohmann::json::json_pointer& where) {
        if (auto value = args.get(flag)) document[where] = *value;
    };
    set("--listen", nlohmann::json::json_pointer("/relay_in"));
    set("--submission", nlohmann::json::json_pointer("/submission"));
    set("--spool", nlohmann::json::json_pointer("/spool"));
    set("--dns", nlohmann::json::json_pointer("/dns"));
    set("--smarthost", nlohmann::json::json_pointer("/smarthost"));
    set("--admin", nlohmann::json::json_pointer("/admin"));
    set("--event-log", nlohmann::json::json_pointer("/event_log"));
    set("--hostname", nlohmann::json::json_pointer("/hostname"));
    set("--tls-cert", nlohmann::json::json_pointer("/tls/certificate"));
    set("--tls-key", nlohmann::json::json_pointer("/tls/private_key"));
    set("--minimal-backoff", nlohmann::json::json_pointer("/retry/minimal_backoff"));
    set("--maximal-backoff", nlohmann::json::json_pointer("/retry/maximal_backoff"));
    set("--maximal-queue-lifetime", nlohmann::json::json_pointer("/retry/maximal_queue_lifetime"));
    set("--smtpd-timeout", nlohmann::json::json_pointer("/smtpd_timeout"));
    if (args.has("--mx-port")) document["mx_port"] = args.get_uint("--mx-port", 25);
    if (args.has("--threads")) document["threads"] = args.get_uint("--threads", 1);
    if (args.has("--no-fsync")) document["spool_fsync"] = false;
    if (auto value = args.get("--trusted-networks"))
        document["trusted_networks"] = split_list(*value);
    if (auto value = args.get("--relay-domains")) document["relay_domains"] = split_list(*value);
    for (const auto& user : args.all("--user")) {
        auto colon = user.find(':');
        if (colon == std::string::npos || colon == 0) {
            throw UsageError("--user: \"" + user + "\" is not NAME:PASSWORD");
        }
        document["users"].push_back(
            {{"name", user.substr(0, colon)}, {"password", user.substr(colon + 1)}});
    }
    return document;
}

int relay_body(const ParsedArgs& args) {
    std::string source;
    nlohmann::json document = effective_document(args, source);
    relay::RelayConfig config;
    try {
        std::filesystem::path base;
        if (auto path = args.get("--config")) base = std::filesystem::path(*path).parent_path();
        config = relay::parse_relay_config(document, source, base);
    } catch (const relay::RelayConfigError& e) {
        throw UsageError(e.what());
    }
    if (args.has("--print-config")) {
        std::cout << relay::to_json(config).dump(2) << std::endl;
        return exit_ok;
    }
    // A spool write past RLIMIT_FSIZE must fail with EFBIG (answered 452), not kill the relay.
    std::signal(SIGXFSZ, SIG_IGN);
    block_stop_signals();
    relay::RelayEngine engine(config);
    try {
        engine.start();
    } catch (const relay::DkimKeyError& e) {
        throw UsageError(e.what());
    } catch (const std::exception& e) {
        throw RunError(e.what());
    }
    if (config.relay_in) {
        std::cout << "listening on " << config.relay_in->address << ':' << engine.relay_in_port()
                  << " (relay-in)" << std::endl;
    }
    if (config.submission) {
        std::cout << "listening on " << config.submission->address << ':'
                  << engine.submission_port() << " (submission)" << std::endl;
    }
    if (config.admin) {
        std::cout << "admin api on http://" << config.admin->host << ':' << engine.admin_port()
                  << "/" << std::endl;
    }
    if (auto url = engine.unsubscribe_base_url(); !url.empty()) {
        std::cout << "one-click unsubscribe on " << url << "/u/ (POST, RFC 8058)";
        if (auto ca = engine.unsubscribe_ca_file(); !ca.empty())
            std::cout << ", certificate from the CA " << ca.string();
        std::cout << std::endl;
    }
    if (auto url = engine.tracking_base_url(); !url.empty())
        std::cout << "open and click tracking on " << url << "/o/ and /c/" << std::endl;
    std::cout << "spool: " << engine.recovery().messages.size() << " messages recovered from "
              << std::filesystem::absolute(config.spool).string() << std::endl;
    while (!wait_for_signal(std::chrono::seconds(1))) {
    }
    std::cerr << "relaylab relay: stopping" << std::endl;
    engine.stop();
    relay::RelayMetricsSnapshot totals = engine.metrics().snapshot();
    auto deliveries = [&](relay::DeliveryResult result) {
        return totals.deliveries[static_cast<std::size_t>(result)];
    };
    std::cerr << "relaylab relay: stopped; accepted " << totals.accepted << ", delivered "
              << deliveries(relay::DeliveryResult::delivered) << ", deferred "
              << deliveries(relay::DeliveryResult::deferred) << ", bounced "
              << deliveries(relay::DeliveryResult::bounced) << ", expired "
              << deliveries(relay::DeliveryResult::expired) << ", queued " << totals.queue_depth
              << std::endl;
    if (auto engagement = engine.engagement_stats(); !engagement.empty())
        std::cerr << "relaylab relay: engagement " << engagement.dump() << std::endl;
    return exit_ok;
}

}  // namespace

int relay_main(const Args& args) {
    return run_command(spec(), args, relay_body);
}

}  // namespace relaylab::cli
