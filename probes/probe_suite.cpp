#include "probes/probe_suite.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "harness/log/log.hpp"
#include "probes/policy/banner_checks.hpp"
#include "probes/policy/dns_reputation_checks.hpp"
#include "probes/policy/open_relay_checks.hpp"
#include "probes/policy/smuggling_checks.hpp"
#include "probes/policy/starttls_injection_check.hpp"
#include "probes/transport/mta_sts_checks.hpp"
#include "probes/transport/tls_checks.hpp"

namespace relaylab::probe {

const std::vector<CheckGroup>& check_groups() {
    // Cheap and harmless first; the checks that send mail-like traffic last.
    static const std::vector<CheckGroup> groups = {
        {"banner", "greeting, host name, time to banner, EHLO extensions, SIZE", run_banner_checks},
        {"tls",
         "STARTTLS offered, TLS versions 1.0-1.3, cipher, certificate chain, expiry and name, "
         "TLS before AUTH",
         run_tls_checks},
        {"starttls-injection", "STARTTLS command injection (CVE-2011-0411 class)",
         run_starttls_injection_checks},
        {"dane", "TLSA records of _25._tcp.HOST matched against the presented chain (RFC 7672)",
         run_dane_checks},
        {"mta-sts", "MTA-STS TXT record and HTTPS policy (RFC 8461), MX set matched",
         run_mta_sts_checks},
        {"tls-rpt", "TLS-RPT record (RFC 8460)", run_tls_rpt_checks},
        {"ptr", "PTR and forward-confirmed reverse DNS of the server's address", run_ptr_checks},
        {"dnsbl", "DNSBL listing of the server's address (--dnsbl ZONE)", run_dnsbl_checks},
        {"open-relay",
         "open relay: foreign sender and recipient, % hack, source routes, quoted local parts, "
         "address literals, ! paths",
         run_open_relay_checks},
        {"smuggling", "SMTP smuggling: which end-of-data look-alikes end the DATA",
         run_smuggling_checks},
        {"limits", "maximum message size, recipients per message, pipelining", run_limits_checks},
        {"smuggling-outbound",
         "SMTP smuggling through a relay: which look-alikes it forwards to --sink unchanged",
         run_outbound_smuggling_checks},
    };
    return groups;
}

std::string unmet_needs(std::string_view group, const ProbeContext& context) {
    const ProbeOptions& options = context.options;
    if ((group == "mta-sts" || group == "tls-rpt") && options.domain.empty())
        return "needs --domain";
    if (group == "dane" && !context.target.host_is_name)
        return "needs the target as a host name (TLSA records are per MX host name)";
    if (group == "dnsbl" && options.dnsbl_zones.empty()) return "needs --dnsbl ZONE";
    if ((group == "smuggling" || group == "limits") && options.recipient().empty())
        return "needs --rcpt or --domain (a recipient the server accepts)";
    if (group == "smuggling-outbound" && !options.sink) return "needs --sink ADDR:PORT";
    return {};
}

Selection select_checks(const std::vector<std::string>& names, const ProbeContext& context) {
    Selection selection;
    const auto& groups = check_groups();
    for (const auto& name : names) {
        const bool known = std::any_of(groups.begin(), groups.end(),
                                       [&](const CheckGroup& g) { return g.name == name; });
        if (!known) {
            std::string list;
            for (const auto& g : groups)
                list += (list.empty() ? "" : ", ") + std::string(g.name);
            throw std::invalid_argument("unknown check '" + name + "' (known: " + list + ")");
        }
    }
    for (const auto& group : groups) {
        const bool named = std::find(names.begin(), names.end(), group.name) != names.end();
        if (!names.empty() && !named) continue;
        if (std::string unmet = unmet_needs(group.name, context); !unmet.empty()) {
            if (named)
                throw std::invalid_argument("check '" + std::string(group.name) + "' " + unmet);
            selection.skipped.push_back({std::string(group.name), unmet});
            continue;
        }
        selection.run.push_back(&group);
    }
    return selection;
}

boost::asio::awaitable<std::vector<CheckResult>> run_checks(const Selection& selection,
                                                            ProbeContext& context) {
    std::vector<CheckResult> results;
    for (const CheckGroup* group : selection.run) {
        log::debug("probe.check_started", {{"check", std::string(group->name)}});
        std::vector<CheckResult> group_results;
        std::string crashed;
        try {
            group_results = co_await group->run(context);
        } catch (const std::exception& e) {
            crashed = e.what();
        }
        if (!crashed.empty()) {
            group_results.push_back(make_result(std::string(group->name), Verdict::error,
                                                "the check stopped: " + crashed));
        }
        for (auto& result : group_results)
            results.push_back(std::move(result));
    }
    co_return results;
}

}  // namespace relaylab::probe
