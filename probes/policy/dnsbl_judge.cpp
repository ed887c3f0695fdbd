#include "probes/policy/dnsbl_judge.hpp"

#include <arpa/inet.h>

#include <array>

#include "harness/dns/core/message.hpp"
#include "probes/common/transcript.hpp"
#include "probes/policy/reverse_dns_names.hpp"

namespace relaylab::probe {

namespace {

// The return codes Spamhaus documents for refused queries (other zones copied them):
// https://www.spamhaus.org/faqs/domain-blocklist/#291 "127.255.255.252: typing error in the
// DNSBL name; .254: query via a public/open resolver; .255: excessive number of queries".
std::string zone_error_meaning(std::string_view address) {
    if (address == "127.255.255.252") return "typing error in the zone name";
    if (address == "127.255.255.254") return "query through a public or open resolver refused";
    if (address == "127.255.255.255") return "too many queries";
    return "the zone's error code";
}

// A zone's TXT text in a one-line explanation: control octets visible, long texts cut.
constexpr std::size_t max_reason_octets = 200;
std::string one_line(std::string_view text) {
    std::string out = visible_bytes(text.substr(0, max_reason_octets));
    if (text.size() > max_reason_octets) out += "...";
    return out;
}

}  // namespace

std::string dnsbl_query_name(std::string_view ip, std::string_view zone) {
    const std::string labels = reversed_address_labels(ip);
    std::string normal = dns::normalize_name(zone);
    if (labels.empty() || normal.empty()) return {};
    std::string name = labels + "." + normal;
    if (!dns::check_name(name).empty()) return {};
    return name;
}

DnsblCode classify_dnsbl_answer(std::string_view address) {
    std::array<unsigned char, 4> bytes{};
    const std::string text(address.substr(0, 16));
    if (inet_pton(AF_INET, text.c_str(), bytes.data()) != 1 || bytes[0] != 127) {
        return DnsblCode::not_a_dnsbl_answer;
    }
    if (bytes[1] == 255 && bytes[2] == 255) return DnsblCode::zone_error;
    return DnsblCode::listed;
}

CheckResult judge_dnsbl(const DnsblFacts& facts) {
    CheckResult result;
    result.name = "dnsbl." + facts.zone;
    result.details = {{"zone", facts.zone},
                      {"query", facts.query},
                      {"address", facts.address},
                      {"status", std::string(dns::to_string(facts.status))},
                      {"answers", facts.addresses},
                      {"reasons", facts.reasons},
                      {"listed", false}};
    const std::string where = facts.address + " in " + facts.zone;
    switch (facts.status) {
        case dns::Status::nxdomain:
        case dns::Status::nodata:
            // RFC 5782 2.1: an address that is not listed has no A record under the zone.
            result.add_evidence(std::string(dns::to_string(facts.status)) + " " + facts.query +
                                " A");
            result.verdict = Verdict::pass;
            result.explanation = where + ": not listed";
            return result;
        case dns::Status::timeout:
        case dns::Status::servfail:
        case dns::Status::refused:
            result.add_evidence(std::string(dns::to_string(facts.status)) + " " + facts.query +
                                " A" + (facts.detail.empty() ? "" : " (" + facts.detail + ")"));
            result.verdict = Verdict::error;
            result.explanation = "could not query " + facts.zone + ": " +
                                 std::string(dns::to_string(facts.status)) +
                                 (facts.detail.empty() ? "" : " (" + facts.detail + ")");
            return result;
        case dns::Status::ok:
            break;
    }
    std::vector<std::string> listed, zone_errors, strange;
    for (const auto& a : facts.addresses) {
        result.add_evidence(facts.query + " A " + a);
        switch (classify_dnsbl_answer(a)) {
            case DnsblCode::listed:
                listed.push_back(a);
                break;
            case DnsblCode::zone_error:
                zone_errors.push_back(a);
                break;
            case DnsblCode::not_a_dnsbl_answer:
                strange.push_back(a);
                break;
        }
    }
    for (const auto& reason : facts.reasons)
        result.add_evidence(facts.query + " TXT " + visible_bytes(reason));
    if (!zone_errors.empty()) {
        // The zone answered about the query, not about the address: no listing can be read.
        result.verdict = Verdict::error;
        result.explanation = facts.zone + " refused the query with " + zone_errors.front() + " (" +
                             zone_error_meaning(zone_errors.front()) +
                             "): not a listing, use a resolver the zone serves";
        return result;
    }
    if (!listed.empty()) {
        result.verdict = Verdict::fail;
        result.details["listed"] = true;
        result.explanation = where + ": listed (" + comma_list(listed) + ")" +
                             (facts.reasons.empty() ? "" : ": " + one_line(facts.reasons.front()));
        return result;
    }
    result.verdict = Verdict::error;
    if (strange.empty()) {
        result.explanation = facts.zone + " answered without an A record";
        return result;
    }
    result.explanation = facts.zone + " answered " + comma_list(strange) +
                         ", outside 127.0.0.0/8: not a DNSBL answer (a wildcard or a resolver "
                         "that rewrites NXDOMAIN)";
    return result;
}

}  // namespace relaylab::probe
