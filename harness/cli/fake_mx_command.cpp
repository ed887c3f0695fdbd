// relaylab fake-mx: simulated receiving MTAs with scripted behaviour, capture and an HTTP API.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fake-mx/receiver/fake_mx.hpp"
#include "harness/cli/commands.hpp"
#include "harness/cli/server_options.hpp"
#include "harness/http/https_fixture_host.hpp"
#include "harness/net/tls.hpp"

namespace relaylab::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view default_api = "127.0.0.1:8025";
constexpr std::string_view default_mta_sts_listen = "127.0.0.1:0";
// RFC 8461 3.3: the policy's well-known path. A fixture may serve a policy larger than a
// sender accepts (to test that sender), but not an unbounded file.
constexpr std::string_view mta_sts_policy_path = "/.well-known/mta-sts.txt";
constexpr std::uintmax_t max_mta_sts_file_bytes = 1u << 20;
constexpr int mta_sts_certificate_days = 30;

const CommandSpec& spec() {
    static const CommandSpec spec = with_client_limit_options(CommandSpec{
        .name = "fake-mx",
        .synopsis = "--listen [NAME=]ADDR:PORT... [--behaviour [NAME=]FILE|PRESET...] [options]",
        .summary = "simulated receiving MTAs: scripted behaviour, capture, verdicts, HTTP API",
        .description =
            "Runs one or more fake MX hosts (one per --listen; NAME is the host name it greets\n"
            "with, default mx1.relaylab.test, mx2...). Each behaves as its behaviour file or\n"
            "preset says (accept-all when none): rules per SMTP phase, greylisting, rate limits,\n"
            "TLS variants. Every accepted message is captured (metadata always, raw content in\n"
            "memory up to --memory-limit, every message in a Maildir with --store) and, with\n"
            "--dns, judged for SPF, DKIM, DMARC and ARC. The HTTP API (--api, default " +
            std::string(default_api) +
            ")\nserves the captured mail, transcripts, stats and /metrics.\n"
            "--mta-sts serves MTA-STS policies over HTTPS (certificates from the test CA of\n"
            "--tls-ca-dir) for `relaylab probe --checks mta-sts --ca DIR/ca.pem`.\n"
            "Presets: accept-all, greylist, rate-limited, flaky, tls-required, reject-all, slow,\n"
            "gmail, yahoo, outlook (provider policies: they need --dns).\n"
            "Prints one 'NAME listening on ADDR:PORT' line per host and 'api listening on URL',\n"
            "then runs until SIGINT/SIGTERM, --count messages or --duration seconds.",
        .options =
            {
                {"--listen", "[NAME=]ADDR:PORT",
                 "a fake MX host (repeatable; port 0: any free port)", true},
                {"--behaviour", "[NAME=]FILE|PRESET",
                 "behaviour of host NAME, or of every host without one of its own (repeatable)",
                 true},
                {"--api", "ADDR:PORT|none",
                 "HTTP API address (default " + std::string(default_api) + ")"},
                {"--store", "DIR", "write every message to this Maildir (created if absent)"},
                {"--memory-limit", "MB", "raw messages kept in memory (default 256)"},
                {"--max-messages", "N",
                 "metadata of the newest N messages is kept (default 1000000)"},
                {"--no-transcripts", "", "do not record sessions' commands and replies"},
                {"--dns", "ADDR:PORT", "judge SPF/DKIM/DMARC/ARC of every message with this DNS"},
                {"--spamd", "ADDR:PORT",
                 "score every message with this SpamAssassin spamd (score and rules captured)"},
                {"--authserv-id", "NAME",
                 "authserv-id of Authentication-Results (default "
                 "fake-mx.relaylab.test)"},
                {"--tls-ca-dir", "DIR",
                 "test CA for 'valid' certificates (created if absent; clients trust DIR/ca.pem)"},
                {"--bare-newline", "POLICY",
                 "bare LF/CR in DATA: reject (default: 550), normalize, accept; a behaviour's "
                 "bare_newline key wins for its host"},
                {"--mta-sts", "DOMAIN=FILE",
                 "serve FILE as https://mta-sts.DOMAIN/.well-known/mta-sts.txt (repeatable; "
                 "needs --tls-ca-dir)",
                 true},
                {"--mta-sts-listen", "ADDR:PORT",
                 "address of the MTA-STS policy host (default " +
                     std::string(default_mta_sts_listen) + ")"},
                {"--threads", "N", "io threads per host (default 1)"},
                {"--max-connections", "N", "concurrent connections per host (default 1000)"},
                {"--timeout", "SECONDS", "every SMTP wait (default 300)"},
                {"--count", "N", "exit after N accepted messages"},
                {"--duration", "SECONDS", "exit after this long"},
                {"--json", "", "print the final stats as one JSON object"},
            },
    });
    return spec;
}

// "NAME=VALUE" when NAME is one of `names`, else the whole text applies to everyone.
std::pair<std::string, std::string> split_named(const std::string& text,
                                                const std::vector<std::string>& names) {
    auto eq = text.find('=');
    if (eq != std::string::npos) {
        std::string name = text.substr(0, eq);
        for (const auto& known : names) {
            if (known == name) return {name, text.substr(eq + 1)};
        }
    }
    return {"", text};
}

fakemx::FakeMxConfig fake_mx_options(const ParsedArgs& args) {
    fakemx::FakeMxConfig config;
    auto listens = args.all("--listen");
    if (listens.empty()) throw UsageError("--listen [NAME=]ADDR:PORT is required");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < listens.size(); ++i) {
        std::string name = "mx" + std::to_string(i + 1) + ".relaylab.test";
        std::string address = listens[i];
        auto eq = address.find('=');
        if (eq != std::string::npos) {
            name = address.substr(0, eq);
            address = address.substr(eq + 1);
            if (name.empty()) throw UsageError("--listen '" + listens[i] + "': empty host name");
        }
        for (const auto& known : names) {
            if (known == name) throw UsageError("--listen: host name " + name + " given twice");
        }
        HostPort listen = parse_listen_address("--listen", address);
        fakemx::HostConfig host;
        host.name = name;
        host.address = listen.host;
        host.port = listen.port;
        names.push_back(name);
        config.hosts.push_back(std::move(host));
    }

    std::map<std::string, std::string> behaviour_of;  // host name, or "" for every other
    for (const auto& text : args.all("--behaviour")) {
        auto [name, value] = split_named(text, names);
        if (behaviour_of.count(name)) {
            throw UsageError("--behaviour: two behaviours for " +
                             (name.empty() ? std::string("all hosts") : name));
        }
        behaviour_of[name] = value;
    }
    std::map<std::string, fakemx::Behaviour> loaded;
    for (auto& host : config.hosts) {
        std::string source = "accept-all";
        if (auto it = behaviour_of.find(host.name); it != behaviour_of.end()) {
            source = it->second;
        } else if (auto all = behaviour_of.find(""); all != behaviour_of.end()) {
            source = all->second;
        }
        if (!loaded.count(source)) {
            try {
                loaded.emplace(source, fakemx::load_behaviour(source));
            } catch (const fakemx::BehaviourError& e) {
                throw UsageError(std::string("--behaviour ") + e.what());
            }
        }
        host.behaviour = loaded.at(source);
    }

    std::string api = args.get_or("--api", default_api);
    if (api != "none") {
        HostPort listen = parse_listen_address("--api", api);
        config.api = fakemx::ApiListen{listen.host, listen.port};
    }
    if (auto store = args.get("--store")) config.capture.store_dir = *store;
    config.capture.memory_limit = args.get_uint("--memory-limit", 256, 0, 1u << 20) << 20;
    config.capture.max_messages = args.get_uint("--max-messages", 1'000'000, 1, 100'000'000);
    config.transcripts = !args.has("--no-transcripts");
    if (auto dns_text = args.get("--dns")) {
        HostPort server = parse_listen_address("--dns", *dns_text);
        config.auth_dns = dns::ResolverConfig::fixture(server.host, server.port);
    }
    if (auto spamd_text = args.get("--spamd")) {
        HostPort server = parse_listen_address("--spamd", *spamd_text);
        if (server.port == 0)
            throw UsageError("--spamd " + *spamd_text + ": port 0 is not spamd's");
        placement::SpamdConfig spamd;
        spamd.address = server.host;
        spamd.port = server.port;
        config.spamd = spamd;
    }
    config.authserv_id = args.get_or("--authserv-id", config.authserv_id);
    config.tls_ca_dir = args.get_or("--tls-ca-dir", "");
    config.threads = static_cast<unsigned>(args.get_uint("--threads", 1, 1, 64));
    config.bare_newline = bare_newline_option(args);
    config.max_connections = args.get_uint("--max-connections", 1000, 1, 1'000'000);
    apply_timeout_option(args, config.timeouts);
    apply_client_limit_options(args, config.client_limits, config.timeouts);
    config.max_junk_commands = junk_command_limit(args);
    return config;
}

std::string read_policy_file(const std::string& option, const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) throw UsageError(option + ": cannot read " + path + ": " + ec.message());
    if (size > max_mta_sts_file_bytes) {
        throw UsageError(option + ": " + path + " is " + std::to_string(size) +
                         " bytes, above the limit of " + std::to_string(max_mta_sts_file_bytes));
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) throw UsageError(option + ": cannot read " + path);
    return text.str();
}

// --mta-sts DOMAIN=FILE...: one site per domain, host mta-sts.DOMAIN, its certificate issued by
// the test CA of --tls-ca-dir (so a probe can verify it with --ca DIR/ca.pem, as RFC 8461 3.3
// requires a valid certificate). nullopt when no --mta-sts is given.
std::optional<http::HttpsFixtureHostConfig> mta_sts_host_options(const ParsedArgs& args,
                                                                 const std::string& ca_dir) {
    auto policies = args.all("--mta-sts");
    if (policies.empty()) {
        if (args.has("--mta-sts-listen")) throw UsageError("--mta-sts-listen needs --mta-sts");
        return std::nullopt;
    }
    if (ca_dir.empty()) {
        throw UsageError(
            "--mta-sts needs --tls-ca-dir DIR: the policy host's certificates are "
            "issued by that test CA, and probes trust DIR/ca.pem");
    }
    http::HttpsFixtureHostConfig config;
    HostPort listen = parse_listen_address(
        "--mta-sts-listen", args.get_or("--mta-sts-listen", std::string(default_mta_sts_listen)));
    config.address = listen.host;
    config.port = listen.port;
    net::TestCa ca;
    try {
        ca = net::load_or_create_test_ca(ca_dir);
    } catch (const std::runtime_error& e) {
        throw UsageError(std::string("--tls-ca-dir: ") + e.what());
    }
    for (const auto& text : policies) {
        auto eq = text.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
            throw UsageError("--mta-sts '" + text + "': want DOMAIN=FILE");
        }
        std::string domain = text.substr(0, eq);
        if (domain.back() == '.') domain.pop_back();
        for (const auto& site : config.sites) {
            if (site.host == "mta-sts." + domain) {
                throw UsageError("--mta-sts: domain " + domain + " given twice");
            }
        }
        http::FixtureSite site;
        site.host = "mta-sts." + domain;
        site.tls = net::make_server_context(
            net::issue_certificate(ca, site.host, net::valid_for_days(mta_sts_certificate_days)));
        site.documents[std::string(mta_sts_policy_path)] = {
            200, "text/plain", read_policy_file("--mta-sts", text.substr(eq + 1)), ""};
        config.sites.push_back(std::move(site));
    }
    return config;
}

int fake_mx(const ParsedArgs& args) {
    fakemx::FakeMxConfig config = fake_mx_options(args);
    auto mta_sts_config = mta_sts_host_options(args, config.tls_ca_dir);
    std::unique_ptr<http::HttpsFixtureHost> policy_host;
    if (mta_sts_config) {
        std::string where = mta_sts_config->address;
        if (where.find(':') != std::string::npos) where = "[" + where + "]";
        policy_host = std::make_unique<http::HttpsFixtureHost>(std::move(*mta_sts_config));
        try {
            policy_host->start();
        } catch (const std::exception& e) {
            throw RunError(e.what());
        }
        std::cout << "mta-sts listening on https://" << where << ':' << policy_host->port()
                  << "/\n";
    }
    std::uint64_t stop_after = args.get_uint("--count", 0);
    config.accept_limit = stop_after;  // exactly N: the N+1st gets 421 while we stop
    double duration = args.get_double("--duration", 0, 0, 31'536'000);
    block_stop_signals();
    std::unique_ptr<fakemx::FakeMx> world;
    try {
        world = std::make_unique<fakemx::FakeMx>(config);
    } catch (const fakemx::FakeMxError& e) {
        throw UsageError(e.what());
    } catch (const std::runtime_error& e) {  // the Maildir cannot be made
        throw UsageError(e.what());
    }
    try {
        world->start();
    } catch (const std::exception& e) {
        throw RunError(e.what());
    }
    for (std::size_t i = 0; i < world->host_count(); ++i) {
        std::cout << world->host_name(i) << " listening on " << config.hosts[i].address << ':'
                  << world->port(i) << '\n';
    }
    if (config.api) {
        std::cout << "api listening on http://" << config.api->address << ':' << world->api_port()
                  << "/\n";
    }
    std::cout << std::flush;
    auto started = Clock::now();
    for (;;) {
        if (wait_for_signal(std::chrono::milliseconds(50))) break;
        if (stop_after != 0 && world->messages_accepted() >= stop_after) break;
        if (duration > 0 &&
            std::chrono::duration<double>(Clock::now() - started).count() >= duration) {
            break;
        }
    }
    world->stop();
    if (policy_host) policy_host->stop();
    nlohmann::json stats = world->stats();
    if (args.has("--json")) {
        std::cout << stats.dump() << std::endl;
    } else {
        for (const auto& host : stats["hosts"]) {
            std::cout << host["host"].get<std::string>() << ": messages " << host["messages"]
                      << ", rejected " << host["rejected_messages"] << ", connections "
                      << host["connections"] << " (refused " << host["refused_connections"]
                      << ", timeouts " << host["timeouts"] << ", TLS failures "
                      << host["tls_failures"] << ")\n";
        }
        std::cout << std::flush;
    }
    return exit_ok;
}

}  // namespace

int fake_mx_main(const Args& args) {
    return run_command(spec(), args, fake_mx);
}

}  // namespace relaylab::cli
