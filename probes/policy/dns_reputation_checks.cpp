// Groups "ptr" and "dnsbl": DNS lookups about the target's address through the probe's
// resolver (and, for ptr.hostname, one short connection for the greeting and EHLO names).
// Judged by reverse_dns_judge and dnsbl_judge.
#include "probes/policy/dns_reputation_checks.hpp"

#include <algorithm>

#include "harness/dns/core/message.hpp"
#include "harness/dns/resolver.hpp"
#include "probes/common/transcript.hpp"
#include "probes/policy/banner_session.hpp"
#include "probes/policy/dnsbl_judge.hpp"
#include "probes/policy/reverse_dns_judge.hpp"
#include "probes/policy/reverse_dns_names.hpp"

namespace relaylab::probe {

namespace {

// --dnsbl is repeatable; a list longer than this is a mistake, not a probe.
constexpr std::size_t max_dnsbl_zones = 50;

std::string address_of(const ProbeContext& context) {
    std::string canonical = canonical_address(context.target.address);
    return canonical.empty() ? context.target.address : canonical;
}

}  // namespace

boost::asio::awaitable<std::vector<CheckResult>> run_ptr_checks(ProbeContext& context) {
    std::vector<CheckResult> results;
    PtrFacts facts;
    facts.address = address_of(context);
    facts.reverse_name = dns::reverse_name(facts.address);
    const auto ptr = co_await context.resolver->ptr(facts.address);
    facts.status = ptr.status;
    facts.names = ptr.values;
    facts.detail = ptr.detail;
    if (ptr.status == dns::Status::ok) {
        const bool v6 = is_ipv6(facts.address);
        for (std::size_t i = 0; i < facts.names.size() && i < max_ptr_names_checked; ++i) {
            const std::string& name = facts.names[i];
            // A PTR target that is not a host name (garbage in the zone) is not looked up.
            if (!dns::check_name(name).empty()) {
                facts.forward.push_back({name, dns::Status::servfail, {}, "not a valid host name"});
                continue;
            }
            // Not `?:` over two co_awaits: g++ 12 miscompiles that (the frame's temporaries
            // are destroyed twice).
            dns::LookupResult<std::string> forward;
            if (v6) {
                forward = co_await context.resolver->aaaa(name);
            } else {
                forward = co_await context.resolver->a(name);
            }
            facts.forward.push_back({name, forward.status, forward.values, forward.detail});
        }
    }
    results.push_back(judge_ptr(facts));
    if (facts.status != dns::Status::ok || facts.names.empty()) co_return results;

    Dialogue dialogue(context.executor, context.options.timeouts);
    const SessionStart start = co_await open_session(dialogue, context);
    if (!start.greeting) {
        results.push_back(
            make_result("ptr.hostname", Verdict::error,
                        "no greeting to compare with the PTR name: " + dialogue.failure().text(),
                        dialogue.transcript().lines()));
        co_await dialogue.quit();
        co_return results;
    }
    const std::string greeting_name = start.greeting->lines.empty()
                                          ? std::string()
                                          : announced_name(start.greeting->lines.front());
    const std::string ehlo_name = start.ehlo && start.ehlo->positive() && !start.ehlo->lines.empty()
                                      ? announced_name(start.ehlo->lines.front())
                                      : std::string();
    results.push_back(judge_ptr_hostname(facts.names, greeting_name, ehlo_name));
    results.back().add_evidence(dialogue.transcript().lines());
    co_await dialogue.quit();
    co_return results;
}

boost::asio::awaitable<std::vector<CheckResult>> run_dnsbl_checks(ProbeContext& context) {
    std::vector<CheckResult> results;
    const std::string address = address_of(context);
    const auto& zones = context.options.dnsbl_zones;
    for (std::size_t i = 0; i < zones.size() && i < max_dnsbl_zones; ++i) {
        DnsblFacts facts;
        facts.zone = visible_bytes(dns::normalize_name(zones[i]));
        facts.address = address;
        facts.query = dnsbl_query_name(address, zones[i]);
        if (facts.query.empty()) {
            results.push_back(make_result("dnsbl." + facts.zone, Verdict::error,
                                          "cannot query '" + facts.zone + "' for " + address +
                                              ": not a usable zone name or address"));
            continue;
        }
        const auto a = co_await context.resolver->a(facts.query);
        facts.status = a.status;
        facts.addresses = a.values;
        facts.detail = a.detail;
        const bool listed =
            std::any_of(a.values.begin(), a.values.end(), [](const std::string& value) {
                return classify_dnsbl_answer(value) == DnsblCode::listed;
            });
        if (a.status == dns::Status::ok && listed) {
            // RFC 5782 2.2: the TXT record of the same name says why; optional.
            const auto txt = co_await context.resolver->txt(facts.query);
            if (txt.status == dns::Status::ok) facts.reasons = txt.values;
        }
        results.push_back(judge_dnsbl(facts));
    }
    if (zones.size() > max_dnsbl_zones) {
        results.push_back(make_result("dnsbl", Verdict::error,
                                      std::to_string(zones.size() - max_dnsbl_zones) +
                                          " zones beyond the first " +
                                          std::to_string(max_dnsbl_zones) + " were not queried"));
    }
    co_return results;
}

}  // namespace relaylab::probe
