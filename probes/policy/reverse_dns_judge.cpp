#include "probes/policy/reverse_dns_judge.hpp"

#include <algorithm>

#include "harness/dns/core/message.hpp"
#include "probes/common/transcript.hpp"
#include "probes/policy/reverse_dns_names.hpp"

namespace relaylab::probe {

namespace {

bool dns_failed(dns::Status status) {
    return status == dns::Status::timeout || status == dns::Status::servfail ||
           status == dns::Status::refused;
}

std::string status_text(dns::Status status, const std::string& detail) {
    std::string out(dns::to_string(status));
    if (!detail.empty()) out += " (" + visible_bytes(detail) + ")";
    return out;
}

}  // namespace

CheckResult judge_ptr(const PtrFacts& facts) {
    CheckResult result;
    result.name = "ptr";
    const std::string forward_type = is_ipv6(facts.address) ? "AAAA" : "A";
    nlohmann::json forward = nlohmann::json::array();
    for (const auto& f : facts.forward) {
        forward.push_back({{"name", f.name},
                           {"status", std::string(dns::to_string(f.status))},
                           {"addresses", f.addresses}});
    }
    result.details = {{"address", facts.address},
                      {"reverse_name", facts.reverse_name},
                      {"status", std::string(dns::to_string(facts.status))},
                      {"names", facts.names},
                      {"forward", forward},
                      {"forward_confirmed", false}};

    if (dns_failed(facts.status)) {
        result.add_evidence(facts.reverse_name +
                            " PTR: " + status_text(facts.status, facts.detail));
        result.verdict = Verdict::error;
        result.explanation = "PTR lookup of " + facts.address +
                             " failed: " + status_text(facts.status, facts.detail);
        return result;
    }
    if (facts.status != dns::Status::ok || facts.names.empty()) {
        result.add_evidence(facts.reverse_name +
                            " PTR: " + std::string(dns::to_string(facts.status)));
        result.verdict = Verdict::fail;
        result.explanation = "no PTR record for " + facts.address +
                             ": large mailbox providers refuse or junk mail from such senders";
        return result;
    }
    for (const auto& name : facts.names)
        result.add_evidence(facts.reverse_name + " PTR " + name);

    std::vector<std::string> confirmed, failed_lookups;
    for (const auto& f : facts.forward) {
        if (f.status == dns::Status::ok) {
            for (const auto& a : f.addresses)
                result.add_evidence(f.name + " " + forward_type + " " + a);
        } else {
            result.add_evidence(f.name + " " + forward_type + ": " +
                                status_text(f.status, f.detail));
        }
        const bool matches =
            std::any_of(f.addresses.begin(), f.addresses.end(),
                        [&](const std::string& a) { return same_address(a, facts.address); });
        if (matches) confirmed.push_back(f.name);
        if (dns_failed(f.status))
            failed_lookups.push_back(f.name + " (" + status_text(f.status, f.detail) + ")");
    }
    result.details["confirmed_names"] = confirmed;
    if (!confirmed.empty()) {
        result.verdict = Verdict::pass;
        result.details["forward_confirmed"] = true;
        result.explanation = "PTR " + confirmed.front() + " resolves back to " + facts.address +
                             " (forward-confirmed reverse DNS)";
        return result;
    }
    if (!failed_lookups.empty()) {
        result.verdict = Verdict::error;
        result.explanation = "could not confirm the PTR name: " + forward_type + " lookup of " +
                             failed_lookups.front() + " failed";
        return result;
    }
    result.verdict = Verdict::fail;
    result.explanation = "PTR " + comma_list(facts.names) + " does not resolve back to " +
                         facts.address + ": reverse DNS not forward-confirmed";
    return result;
}

std::string announced_name(std::string_view reply_first_line) {
    const auto start = reply_first_line.find_first_not_of(' ');
    if (start == std::string_view::npos) return {};
    const auto rest = reply_first_line.substr(start);
    return std::string(rest.substr(0, rest.find(' ')));
}

CheckResult judge_ptr_hostname(const std::vector<std::string>& ptr_names,
                               std::string_view greeting_name, std::string_view ehlo_name) {
    CheckResult result;
    result.name = "ptr.hostname";
    result.details = {{"ptr_names", ptr_names},
                      {"greeting_name", visible_bytes(greeting_name)},
                      {"ehlo_name", visible_bytes(ehlo_name)}};
    auto is_ptr_name = [&](std::string_view name) {
        if (name.empty()) return false;
        const std::string normal = dns::normalize_name(name);
        return std::any_of(ptr_names.begin(), ptr_names.end(),
                           [&](const std::string& p) { return dns::normalize_name(p) == normal; });
    };
    const bool greeting_matches = is_ptr_name(greeting_name);
    const bool ehlo_matches = ehlo_name.empty() || is_ptr_name(ehlo_name);
    result.details["greeting_matches"] = greeting_matches;
    result.details["ehlo_matches"] = is_ptr_name(ehlo_name);
    const std::string ptr = ptr_names.empty() ? "(none)" : comma_list(ptr_names);
    if (greeting_matches && ehlo_matches) {
        result.verdict = Verdict::pass;
        result.explanation =
            "the greeting names " + visible_bytes(greeting_name) + ", the PTR name of the address";
        return result;
    }
    result.verdict = Verdict::warn;
    const std::string_view odd = greeting_matches ? ehlo_name : greeting_name;
    result.explanation = std::string(greeting_matches ? "EHLO" : "the greeting") + " names '" +
                         visible_bytes(odd) + "' but the PTR name is " + ptr +
                         ": receivers that compare them count it against the server";
    return result;
}

}  // namespace relaylab::probe
