// relaylab auth check: SPF, DKIM, DMARC and ARC verdicts for one message, with DNS from the
// fixture (--dns) or the system's resolvers.
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/cli/commands.hpp"
#include "harness/dns/resolver_config.hpp"
#include "probes/auth/async/resolver_lookup.hpp"
#include "probes/auth/message_headers.hpp"
#include "probes/auth/message_judge.hpp"
#include "probes/auth/spf_ip.hpp"
#include "probes/auth/verdict_format.hpp"

namespace relaylab::cli {

namespace {

const CommandSpec& check_spec() {
    static const CommandSpec spec{
        .name = "auth check",
        .synopsis = "MESSAGE.eml --ip IP --helo NAME --mail-from ADDR [--dns ADDR:PORT] [--json]",
        .summary = "SPF, DKIM, DMARC and ARC verdicts for one message",
        .description =
            "Judges one message as a receiver would: SPF (RFC 7208) for the client IP, HELO and\n"
            "MAIL FROM; every DKIM signature (RFC 6376, RFC 8463); DMARC (RFC 7489) for the From\n"
            "domain; the ARC chain (RFC 8617). DNS comes from --dns (e.g. `relaylab dns`), else\n"
            "from /etc/resolv.conf. Exit code 0 when the verdicts were computed (whatever they\n"
            "are), 2 for a bad option (--ip that is no IP address, ...) or an unreadable message.",
        .options =
            {
                {"--ip", "IP", "the SMTP client's address (required)"},
                {"--helo", "NAME", "the HELO/EHLO name (required)"},
                {"--mail-from", "ADDR", "the MAIL FROM address, empty for <> (required)"},
                {"--dns", "ADDR:PORT", "DNS server to ask (default: /etc/resolv.conf)"},
                {"--psl", "FILE", "Public Suffix List (default Debian's)"},
                {"--json", "", "print one JSON object"},
            },
        .min_positional = 1,
        .max_positional = 1,
        .positional_name = "MESSAGE.eml",
    };
    return spec;
}

std::string read_message(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(path + ": cannot be read");
    std::string bytes;
    bytes.reserve(64 * 1024);
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (bytes.size() > auth::max_message_bytes) {
            throw UsageError(path + ": larger than " + std::to_string(auth::max_message_bytes) +
                             " octets");
        }
    }
    return bytes;
}

int check(const ParsedArgs& args) {
    const std::string path = args.positional()[0];
    for (const char* required : {"--ip", "--helo", "--mail-from"}) {
        if (!args.has(required)) throw UsageError(std::string(required) + " is required");
    }
    // A client address that is not one would be judged as SPF permerror/none and exit 0,
    // hiding the typo (e.g. 999.1.1.1): it is a usage error.
    if (!auth::IpAddress::parse(*args.get("--ip")))
        throw UsageError("--ip: '" + *args.get("--ip") +
                         "' is not an IPv4 or IPv6 address (e.g. 192.0.2.1, 2001:db8::1)");
    std::string message = read_message(path);
    dns::ResolverConfig resolver_config;
    if (auto server = args.get("--dns")) {
        HostPort host_port = parse_host_port("--dns", *server);
        resolver_config = dns::ResolverConfig::fixture(host_port.host, host_port.port);
    } else {
        resolver_config = dns::config_from_resolv_conf();
    }
    auth::SyncResolverLookup lookup(std::move(resolver_config));
    std::string psl_error;
    auth::JudgeOptions options;
    options.psl = auth::PublicSuffixList::load(args.get_or("--psl", auth::kDebianPublicSuffixList),
                                               &psl_error);
    if (!options.psl) throw UsageError("--psl: " + psl_error);

    auth::JudgeInput input;
    input.client_ip = *args.get("--ip");
    input.helo = *args.get("--helo");
    input.mail_from = *args.get("--mail-from");
    input.message = std::move(message);
    const auth::Verdicts verdicts = auth::judge_message(input, lookup, options);
    const auth::SpfVerdict& spf = verdicts.spf;
    const auth::DmarcVerdict& dmarc = verdicts.dmarc;
    const auth::ArcVerdict& arc = verdicts.arc;

    if (args.has("--json")) {
        std::cout << auth::to_json(verdicts).dump() << std::endl;
        return exit_ok;
    }
    std::cout << "spf:   " << auth::to_string(spf.result) << " (" << spf.reason << ")\n";
    if (verdicts.dkim.empty()) std::cout << "dkim:  none (no DKIM-Signature)\n";
    for (const auto& verdict : verdicts.dkim) {
        std::cout << "dkim:  " << auth::dkim_result_name(verdict.result) << " d=" << verdict.domain
                  << " s=" << verdict.selector << " (" << verdict.reason << ")\n";
    }
    std::cout << "dmarc: " << auth::to_string(dmarc.result) << ", policy "
              << auth::to_string(dmarc.policy) << " (" << dmarc.reason << ")\n";
    std::cout << "arc:   " << auth::arc_result_name(arc.result) << " (" << arc.reason << ")"
              << std::endl;
    return exit_ok;
}

}  // namespace

int auth_main(const Args& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        // help_text() starts with the usage line: print it once.
        (args.empty() ? std::cerr : std::cout) << help_text(check_spec());
        return args.empty() ? exit_usage : exit_ok;
    }
    if (args[0] != "check") throw UsageError("unknown subcommand '" + args[0] + "' (try: check)");
    return run_command(check_spec(), Args(args.begin() + 1, args.end()), check);
}

}  // namespace relaylab::cli
