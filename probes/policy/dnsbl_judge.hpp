// DNSBL verdicts (RFC 5782), sans-I/O: the name to query for an address in a zone, and what
// the zone's answer means. The coroutine that asks the resolver is in dns_reputation_checks.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/dns/core/types.hpp"
#include "probes/common/check_result.hpp"

namespace relaylab::probe {

// "<reversed address labels>.<zone>" (RFC 5782 2.1 for IPv4, 2.4 for IPv6 nibbles); "" when
// `ip` is not an address or the result is not a valid domain name (the zone is garbage).
std::string dnsbl_query_name(std::string_view ip, std::string_view zone);

// What one zone said about the address.
struct DnsblFacts {
    std::string zone;   // as given (--dnsbl), normalised: lower case, no trailing dot
    std::string query;  // dnsbl_query_name(address, zone)
    std::string address;
    dns::Status status = dns::Status::servfail;  // of the A lookup
    std::vector<std::string> addresses;          // the A records: 127.0.0.x return codes
    std::string detail;                          // the resolver's reason for servfail/timeout
    std::vector<std::string> reasons;            // TXT records of the same name, when listed
};

// How a zone's A answer reads (RFC 5782 2.3: 127.0.0.2 is the test listing; Spamhaus and
// others answer 127.255.255.x when they refuse the query, which is not a listing).
enum class DnsblCode { listed, zone_error, not_a_dnsbl_answer };
DnsblCode classify_dnsbl_answer(std::string_view address);

// "dnsbl.<zone>": NXDOMAIN (or NODATA) pass; listed fail with the TXT reason; timeout, SERVFAIL,
// REFUSED, zone error codes and answers outside 127/8 error.
CheckResult judge_dnsbl(const DnsblFacts& facts);

}  // namespace relaylab::probe
