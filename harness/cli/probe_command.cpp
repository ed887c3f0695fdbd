// relaylab probe HOST:PORT: transport and policy checks of one SMTP server (an MX, a relay, a
// provider's smarthost), each with a verdict, a one-line explanation and the evidence; JSON,
// HTML and JUnit reports; exit 1 when a check fails. The checks live in probes/; this file
// turns options into a ProbeContext, runs the selection and writes what it found.
#include <chrono>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "harness/cli/commands.hpp"
#include "harness/dns/resolver.hpp"
#include "harness/dns/resolver_config.hpp"
#include "harness/log/timestamp.hpp"
#include "harness/scenario/durations.hpp"
#include "probes/probe_suite.hpp"
#include "reports/probe_report_writers.hpp"
#include "reports/report_writers.hpp"

#ifndef RELAYLAB_VERSION
#define RELAYLAB_VERSION "unknown"
#endif

namespace relaylab::cli {
namespace {

namespace asio = boost::asio;

// A probe is a handful of short dialogues; an hour is far past any honest use and still ends.
constexpr std::chrono::milliseconds max_wait_option{std::chrono::hours(1)};

std::string check_list_help() {
    std::string out = "checks (in the order they run):\n";
    for (const auto& group : probe::check_groups()) {
        out += "  " + std::string(group.name) +
               std::string(20 - std::min<std::size_t>(19, group.name.size()), ' ') +
               std::string(group.summary) + "\n";
    }
    return out;
}

const CommandSpec& spec() {
    static const CommandSpec spec{
        .name = "probe",
        .synopsis =
            "HOST:PORT [--checks LIST] [--domain D] [--dns ADDR:PORT] [--report-dir DIR] "
            "[--json] [options]",
        .summary =
            "transport and policy checks of an SMTP server: TLS, MTA-STS, DANE, open "
            "relay, smuggling...",
        .description =
            "Connects to HOST:PORT (HOST a name resolved with --dns or the system's resolvers,\n"
            "or an IP address) and runs each selected check; each gives pass, warn, fail or\n"
            "error with a one-line explanation and its evidence (the exact dialogue or DNS\n"
            "records). Without --checks every check whose needs are met runs, the rest are\n"
            "listed as not run. Exit 0 when nothing failed, 1 when a check failed, 3 when a\n"
            "check could not decide (refused, timed out, garbage), 2 for usage errors.\n"
            "Checks are harmless: open-relay tricks stop at RCPT (then RSET), smuggling probes\n"
            "send only to --rcpt, outbound smuggling only to the probe's own --sink.\n\n" +
            check_list_help(),
        .options =
            {
                {"--checks", "LIST", "comma-separated check names (default: all that can run)"},
                {"--domain", "D",
                 "the domain the server receives mail for (MTA-STS, TLS-RPT, "
                 "open-relay local domain, default recipient postmaster@D)"},
                {"--dns", "ADDR:PORT", "DNS server to ask (default: /etc/resolv.conf)"},
                {"--report-dir", "DIR", "write report.json, report.html and junit.xml there"},
                {"--json", "", "print the report as JSON on stdout instead of a table"},
                {"--helo", "NAME", "EHLO name the probe announces (default probe.relaylab.test)"},
                {"--from", "ADDR", "envelope sender of the probe (default probe@relaylab.test)"},
                {"--rcpt", "ADDR", "a recipient the server accepts (smuggling, limits)"},
                {"--foreign-domain", "D",
                 "a domain the server must not relay to (default relay-test.example)"},
                {"--ca", "FILE", "trust anchors for certificate checks (default: system's)"},
                {"--dnsbl", "ZONE", "DNS blocklist zone to look the address up in", true},
                {"--mta-sts-port", "N", "port of the MTA-STS policy host (default 443)"},
                {"--sink", "ADDR:PORT",
                 "outbound smuggling: listen here as the MX the relay delivers to"},
                {"--sink-rcpt", "ADDR",
                 "outbound smuggling: recipient the relay routes to --sink "
                 "(default probe@sink.relaylab.test)"},
                {"--sink-wait", "DURATION",
                 "outbound smuggling: wait this long for arrivals "
                 "(default 30s)"},
                {"--quiet-wait", "DURATION",
                 "how long to wait for a reply a correct server never sends (default 1500ms)"},
                {"--timeout", "DURATION", "each reply's deadline (default 30s)"},
                {"--auth", "USER:PASS", "AUTH credentials for submission servers"},
            },
        .min_positional = 1,
        .max_positional = 1,
        .positional_name = "HOST:PORT",
    };
    return spec;
}

std::chrono::milliseconds duration_option(const ParsedArgs& args, std::string_view name,
                                          std::chrono::milliseconds fallback) {
    const auto text = args.get(name);
    if (!text) return fallback;
    std::string error;
    const auto value = scenario::parse_duration_ms(*text, &error);
    if (!value) throw UsageError(std::string(name) + ": '" + *text + "': " + error);
    if (value->count() <= 0 || *value > max_wait_option)
        throw UsageError(std::string(name) + ": '" + *text + "' must be above 0 and at most 1h");
    return *value;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        while (!item.empty() && item.front() == ' ')
            item.erase(item.begin());
        while (!item.empty() && item.back() == ' ')
            item.pop_back();
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

probe::ProbeOptions options_from(const ParsedArgs& args) {
    probe::ProbeOptions options;
    options.domain = args.get_or("--domain", "");
    options.helo = args.get_or("--helo", options.helo);
    options.mail_from = args.get_or("--from", options.mail_from);
    options.rcpt = args.get_or("--rcpt", "");
    options.foreign_domain = args.get_or("--foreign-domain", options.foreign_domain);
    options.ca_file = args.get_or("--ca", "");
    if (!options.ca_file.empty() && !std::filesystem::is_regular_file(options.ca_file))
        throw UsageError("--ca: '" + options.ca_file + "' is not a readable file");
    options.dnsbl_zones = args.all("--dnsbl");
    options.mta_sts_port =
        static_cast<std::uint16_t>(args.get_uint("--mta-sts-port", options.mta_sts_port, 1, 65535));
    if (const auto sink = args.get("--sink")) {
        const HostPort listen = parse_listen_address("--sink", *sink);
        options.sink = asio::ip::tcp::endpoint(asio::ip::make_address(listen.host), listen.port);
    }
    options.sink_rcpt = args.get_or("--sink-rcpt", "probe@sink.relaylab.test");
    options.sink_wait = duration_option(args, "--sink-wait", options.sink_wait);
    options.quiet_wait = duration_option(args, "--quiet-wait", options.quiet_wait);
    options.timeouts.reply = duration_option(args, "--timeout", options.timeouts.reply);
    if (const auto auth = args.get("--auth")) {
        const auto colon = auth->find(':');
        if (colon == std::string::npos || colon == 0) throw UsageError("--auth: want USER:PASS");
        options.auth_user = auth->substr(0, colon);
        options.auth_password = auth->substr(colon + 1);
    }
    return options;
}

// The target's address: the literal itself, or the name's first A record.
asio::awaitable<std::string> resolve_target(dns::Resolver& resolver, const std::string& host) {
    auto result = co_await resolver.a(host);
    if (result.status != dns::Status::ok || result.values.empty()) {
        auto v6 = co_await resolver.aaaa(host);
        if (v6.status == dns::Status::ok && !v6.values.empty()) co_return v6.values.front();
        throw RunError("cannot resolve '" + host +
                       "': " + std::string(dns::to_string(result.status)) +
                       (result.detail.empty() ? "" : " (" + result.detail + ")"));
    }
    co_return result.values.front();
}

void print_table(const probe::ProbeReport& report) {
    // Wide enough for "open-relay.quoted-local-part-local" and "smuggling.cr-crlf-dot-cr-crlf".
    constexpr std::size_t name_column = 36;
    std::cout << "relaylab probe " << report.target << " (" << report.address << ")\n";
    for (const auto& check : report.checks) {
        std::string verdict(probe::to_string(check.verdict));
        for (auto& c : verdict)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        std::cout << "  " << verdict << std::string(7 - verdict.size(), ' ') << check.name
                  << std::string(
                         check.name.size() < name_column ? name_column - check.name.size() : 1, ' ')
                  << check.explanation << '\n';
    }
    for (const auto& skip : report.skipped) {
        std::cout << "  -      " << skip.name
                  << std::string(
                         skip.name.size() < name_column ? name_column - skip.name.size() : 1, ' ')
                  << "not run: " << skip.reason << '\n';
    }
    std::cout << std::flush;
}

int probe_command(const ParsedArgs& args) {
    const HostPort host_port = parse_host_port("HOST:PORT", args.positional()[0], "");
    if (host_port.host.empty()) throw UsageError("HOST:PORT: the host is missing");
    if (host_port.port == 0) throw UsageError("HOST:PORT: the port must be 1-65535");

    dns::ResolverConfig resolver_config;
    if (auto server = args.get("--dns")) {
        HostPort dns_server = parse_host_port("--dns", *server);
        resolver_config = dns::ResolverConfig::fixture(dns_server.host, dns_server.port);
    } else {
        resolver_config = dns::config_from_resolv_conf();
    }

    asio::io_context io;
    dns::Resolver resolver(io.get_executor(), resolver_config);
    probe::ProbeContext context;
    context.executor = io.get_executor();
    context.options = options_from(args);
    context.resolver = &resolver;
    context.target.host = host_port.host;
    context.target.port = host_port.port;
    boost::system::error_code not_ip;
    const auto literal = asio::ip::make_address(host_port.host, not_ip);
    context.target.host_is_name = static_cast<bool>(not_ip);
    if (!not_ip) context.target.address = literal.to_string();

    probe::Selection selection;
    try {
        selection = probe::select_checks(split_list(args.get_or("--checks", "")), context);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--checks: ") + e.what());
    }

    probe::ProbeReport report;
    report.target = args.positional()[0];
    report.domain = context.options.domain;
    report.relaylab_version = RELAYLAB_VERSION;
    report.skipped = selection.skipped;
    const auto wall_start = std::chrono::system_clock::now();
    const auto start = std::chrono::steady_clock::now();
    report.started_at = log::format_rfc3339_ms(wall_start);

    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            if (context.target.host_is_name)
                context.target.address = co_await resolve_target(resolver, context.target.host);
            report.address = context.target.address;
            report.checks = co_await probe::run_checks(selection, context);
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    report.duration_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const nlohmann::json document = probe::to_json(report);
    if (const auto dir = args.get("--report-dir")) {
        std::error_code ec;
        std::filesystem::create_directories(*dir, ec);
        if (ec) throw RunError("--report-dir: cannot create '" + *dir + "': " + ec.message());
        reports::write_report_file(*dir, "report.json", document.dump(2) + "\n");
        reports::write_report_file(*dir, "report.html", reports::render_probe_html(document));
        reports::write_report_file(*dir, "junit.xml", reports::render_probe_junit(document));
    }
    if (args.has("--json")) {
        std::cout << document.dump(2) << std::endl;
    } else {
        print_table(report);
    }
    return probe::exit_code_for(report);
}

}  // namespace

int probe_main(const Args& args) {
    return run_command(spec(), args, probe_command);
}

}  // namespace relaylab::cli
