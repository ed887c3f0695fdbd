// `relaylab dns`: the fixture DNS server on its own, for pointing a real MTA (or dig) at
// relaylab's zones with scripted failures.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "fake-mx/dns-fixture/core/fault_rules.hpp"
#include "fake-mx/dns-fixture/core/fixture.hpp"
#include "fake-mx/dns-fixture/core/zone.hpp"
#include "fake-mx/dns-fixture/server.hpp"
#include "harness/cli/commands.hpp"

namespace relaylab::cli {

namespace {

namespace asio = boost::asio;
namespace fx = relaylab::dns::fixture;

constexpr std::uint64_t max_duration_s = 7 * 86400;

const CommandSpec& dns_spec() {
    static const CommandSpec spec = {
        "dns",
        "--zone FILE... --listen ADDR:PORT [--faults FILE] [--query-log FILE]",
        "authoritative fixture DNS server over UDP and TCP, with fault rules",
        "Serves RFC 1035 zone files ($ORIGIN, $TTL, $INCLUDE), one zone per file, over UDP and\n"
        "TCP on one port (port 0 picks a free one; the chosen address is printed on stdout).\n"
        "Fault rules (JSON) break chosen queries: servfail, refused, nxdomain, drop, delay_ms,\n"
        "truncate. A zone or rule error stops start-up with exit code 2.",
        {
            {"--zone", "FILE", "a zone file (repeat for several zones)", true},
            {"--listen", "ADDR:PORT", "address for UDP and TCP (port 0: any free port)"},
            {"--faults", "FILE", "fault rules, JSON (see the README)"},
            {"--query-log", "FILE", "append one JSON line per query ('-': stdout)"},
            {"--max-udp", "OCTETS", "largest UDP answer to EDNS clients, 512-4096 (default 1232)"},
            {"--duration", "SECONDS", "stop after this long (default: until SIGINT/SIGTERM)"},
        },
        0,
        0,
        "",
    };
    return spec;
}

int dns_body(const ParsedArgs& args) {
    auto zone_files = args.all("--zone");
    if (zone_files.empty()) throw UsageError("--zone FILE is required (one per zone)");
    auto listen_text = args.get("--listen");
    if (!listen_text) throw UsageError("--listen ADDR:PORT is required (port 0: any free port)");
    HostPort listen = parse_listen_address("--listen", *listen_text);
    auto max_udp = args.get_uint("--max-udp", fx::default_max_udp_payload, 512, 4096);
    auto duration = args.get_uint("--duration", 0, 0, max_duration_s);

    fx::ZoneSet zones;
    try {
        zones = fx::load_zone_files(zone_files);
    } catch (const fx::ZoneError& e) {
        throw UsageError(std::string("zone file ") + e.what());
    }
    std::vector<fx::FaultRule> faults;
    if (auto path = args.get("--faults")) {
        try {
            faults = fx::load_fault_file(*path);
        } catch (const fx::FaultRuleError& e) {
            throw UsageError(std::string("--faults ") + e.what());
        }
    }

    std::unique_ptr<std::ofstream> log_file;
    std::ostream* log_stream = nullptr;
    if (auto path = args.get("--query-log")) {
        if (*path == "-") {
            log_stream = &std::cout;
        } else {
            log_file = std::make_unique<std::ofstream>(*path, std::ios::app);
            if (!*log_file) throw UsageError("--query-log: cannot open " + *path + " for writing");
            log_stream = log_file.get();
        }
    }

    std::string apexes;
    for (const auto& zone : zones.zones())
        apexes += (apexes.empty() ? "" : " ") + zone.apex();
    std::size_t zone_count = zones.zones().size();

    asio::io_context io(1);
    fx::FixtureOptions options;
    options.max_udp_payload = static_cast<std::uint16_t>(max_udp);
    std::unique_ptr<fx::FixtureServer> server;
    try {
        server = std::make_unique<fx::FixtureServer>(
            io.get_executor(), fx::Fixture(std::move(zones), std::move(faults), options),
            listen.host, listen.port);
    } catch (const boost::system::system_error& e) {
        throw RunError("cannot listen on " + *listen_text + ": " + e.what());
    }
    if (log_stream != nullptr) {
        server->set_query_log([log_stream](const fx::QueryLogEntry& entry) {
            *log_stream << fx::to_json_line(entry) << '\n';
            log_stream->flush();  // readers tail the file while the server runs
        });
    }
    server->start();
    // The first line on stdout is for scripts that started us with port 0.
    std::cout << "relaylab dns: listening on " << server->endpoint() << " (udp, tcp), "
              << zone_count << " zone(s): " << apexes << std::endl;

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) io.stop();
    });
    asio::steady_timer deadline(io);
    if (duration > 0) {
        deadline.expires_after(std::chrono::seconds(duration));
        deadline.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) io.stop();
        });
    }
    io.run();
    server->stop();
    std::cerr << "relaylab dns: stopped\n";
    return exit_ok;
}

}  // namespace

int dns_main(const Args& args) {
    return run_command(dns_spec(), args, dns_body);
}

}  // namespace relaylab::cli
