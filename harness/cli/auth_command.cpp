// relaylab auth check: SPF, DKIM, DMARC and ARC verdicts for one message, with DNS from the
// fixture (--dns) or the system's resolvers.
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/cli/commands.hpp"
#include "harness/dns/resolver_config.hpp"
#include "harness/dns/sync_resolver.hpp"
#include "probes/auth/arc_verify.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "probes/auth/dmarc_eval.hpp"
#include "probes/auth/dmarc_from.hpp"
#include "probes/auth/message_headers.hpp"
#include "probes/auth/org_domain.hpp"
#include "probes/auth/spf_eval.hpp"

namespace relaylab::cli {

namespace {

// The evaluators' blocking DNS interface over relaylab's resolver.
class ResolverLookup : public auth::DnsLookup {
  public:
    explicit ResolverLookup(dns::ResolverConfig config) : resolver_(std::move(config)) {}

    auth::DnsAnswer lookup(const auth::DnsQuery& query) override {
        dns::Answer answer = resolver_.lookup(query.name, static_cast<dns::RrType>(query.type));
        auth::DnsAnswer out;
        switch (answer.status) {
            case dns::Status::ok:
                out.status = auth::DnsStatus::ok;
                break;
            case dns::Status::nxdomain:
                out.status = auth::DnsStatus::nxdomain;
                break;
            case dns::Status::nodata:
                out.status = auth::DnsStatus::nodata;
                break;
            case dns::Status::servfail:
                out.status = auth::DnsStatus::servfail;
                break;
            case dns::Status::timeout:
                out.status = auth::DnsStatus::timeout;
                break;
        }
        for (const auto& record : answer.records) {
            if (const auto* txt = std::get_if<dns::TxtData>(&record.data)) {
                out.records.push_back(txt->joined());
            } else if (const auto* address = std::get_if<dns::AddressData>(&record.data)) {
                out.records.push_back(address->address);
            } else if (const auto* mx = std::get_if<dns::MxData>(&record.data)) {
                out.records.push_back(mx->exchange);
            } else if (const auto* name = std::get_if<dns::NameData>(&record.data)) {
                out.records.push_back(name->name);
            }
        }
        return out;
    }

  private:
    dns::SyncResolver resolver_;
};

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
            "are), 2 for a bad option or an unreadable message.",
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
    std::string message = read_message(path);
    dns::ResolverConfig resolver_config;
    if (auto server = args.get("--dns")) {
        HostPort host_port = parse_host_port("--dns", *server);
        resolver_config = dns::ResolverConfig::fixture(host_port.host, host_port.port);
    } else {
        resolver_config = dns::config_from_resolv_conf();
    }
    ResolverLookup lookup(std::move(resolver_config));
    std::string psl_error;
    auto psl = auth::PublicSuffixList::load(args.get_or("--psl", auth::kDebianPublicSuffixList),
                                            &psl_error);
    if (!psl) throw UsageError("--psl: " + psl_error);

    auth::SpfParams spf_params;
    spf_params.ip = *args.get("--ip");
    spf_params.helo = *args.get("--helo");
    spf_params.mail_from = *args.get("--mail-from");
    spf_params.receiver = "relaylab.test";
    spf_params.timestamp = static_cast<std::int64_t>(std::time(nullptr));
    auth::SpfOutcome spf = auth::evaluate_spf(spf_params, lookup);

    std::vector<auth::DkimVerdict> dkim = auth::verify_dkim(message, lookup);
    auth::ArcVerdict arc = auth::verify_arc(message, lookup);

    // DMARC needs exactly one From domain (RFC 7489 6.6.1).
    auth::DmarcOutcome dmarc;
    auto parsed = auth::parse_message(message);
    std::vector<std::string> from_domains;
    std::size_t from_fields = 0;
    if (parsed.message) {
        for (const auto& field : parsed.message->headers) {
            if (!auth::iequals(field.name(), "From")) continue;
            ++from_fields;
            for (auto& domain : auth::from_header_domains(auth::unfold(field.value()))) {
                from_domains.push_back(std::move(domain));
            }
        }
    }
    if (!parsed.message) {
        dmarc.result = auth::DmarcResult::permerror;
        dmarc.reason = "message not parseable: " + parsed.error;
    } else if (from_fields != 1 || from_domains.size() != 1) {
        dmarc.result = auth::DmarcResult::permerror;
        dmarc.reason = "need exactly one From address (RFC 7489 6.6.1); found " +
                       std::to_string(from_domains.size()) + " in " + std::to_string(from_fields) +
                       " From fields";
    } else {
        auth::DmarcParams params;
        params.from_domain = from_domains.front();
        params.spf_result = spf.result;
        params.spf_domain = spf.domain;
        for (const auto& verdict : dkim) {
            params.dkim.push_back({verdict.domain, verdict.selector,
                                   std::string(auth::dkim_result_name(verdict.result))});
        }
        dmarc = auth::evaluate_dmarc(params, *psl, lookup);
    }

    if (args.has("--json")) {
        nlohmann::json out;
        out["spf"] = {{"result", auth::to_string(spf.result)}, {"reason", spf.reason}};
        out["dkim"] = nlohmann::json::array();
        for (const auto& verdict : dkim) {
            out["dkim"].push_back({{"domain", verdict.domain},
                                   {"selector", verdict.selector},
                                   {"result", auth::dkim_result_name(verdict.result)},
                                   {"reason", verdict.reason}});
        }
        out["dmarc"] = {{"result", auth::to_string(dmarc.result)},
                        {"policy", auth::to_string(dmarc.policy)},
                        {"reason", dmarc.reason}};
        out["arc"] = {{"result", auth::arc_result_name(arc.result)}, {"reason", arc.reason}};
        std::cout << out.dump() << std::endl;
        return exit_ok;
    }
    std::cout << "spf:   " << auth::to_string(spf.result) << " (" << spf.reason << ")\n";
    if (dkim.empty()) std::cout << "dkim:  none (no DKIM-Signature)\n";
    for (const auto& verdict : dkim) {
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
        std::cout << "usage: relaylab auth check MESSAGE.eml --ip IP --helo NAME --mail-from ADDR"
                     " [--dns ADDR:PORT] [--json]\n\n"
                  << help_text(check_spec());
        return args.empty() ? exit_usage : exit_ok;
    }
    if (args[0] != "check") throw UsageError("unknown subcommand '" + args[0] + "' (try: check)");
    return run_command(check_spec(), Args(args.begin() + 1, args.end()), check);
}

}  // namespace relaylab::cli
