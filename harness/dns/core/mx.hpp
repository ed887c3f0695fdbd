// Mail routing from DNS answers, RFC 5321 5.1: the ordered list of hosts to try for a domain.
// Sans-I/O: the resolver feeds it the MX answer (and the address answers for implicit MX).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/dns/core/types.hpp"

namespace relaylab::dns {

struct MxHost {
    std::uint16_t preference = 0;
    std::string exchange;  // no trailing dot
};

struct MxResult {
    Status status = Status::servfail;  // ok when `hosts` is usable or null_mx is set
    bool null_mx = false;       // RFC 7505: the domain accepts no mail (a single "0 ." record)
    bool implicit = false;      // no MX records: the domain itself, RFC 5321 5.1 "implicit MX"
    std::vector<MxHost> hosts;  // in the order to try
    std::string detail;
};

// Orders MX records by preference; hosts of equal preference are shuffled (RFC 5321 5.1
// "randomize them to spread the load") with a generator seeded by `seed`, so a run is
// repeatable. A set whose only record is "0 ." is a null MX (RFC 7505 3); a "." exchange mixed
// with real ones is ignored, as RFC 7505 4.3 says senders may.
MxResult order_mx(const Answer& mx_answer, std::uint64_t seed);

// The implicit MX of RFC 5321 5.1: used when the MX lookup gave nodata; `has_address` says
// whether the A or AAAA lookup of the domain found anything.
MxResult implicit_mx(const std::string& domain, bool has_address);

}  // namespace relaylab::dns
