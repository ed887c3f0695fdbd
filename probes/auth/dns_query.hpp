// The DNS vocabulary of the authentication evaluators (SPF, DKIM, DMARC, ARC).
//
// The evaluators are sans-I/O: they ask for DNS data through next_query() and are fed answers
// with provide(); whoever drives them (a test's in-memory zone, the fake MX's async resolver,
// the `relaylab auth` CLI) does the lookups. The status keeps apart the outcomes that
// RFC 7208 and RFC 7489 treat differently (NXDOMAIN vs NODATA vs SERVFAIL vs timeout).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::auth {

enum class RrType : std::uint16_t {
    a = 1,
    ns = 2,
    cname = 5,
    ptr = 12,
    mx = 15,
    txt = 16,
    aaaa = 28,
};

enum class DnsStatus {
    ok,        // records present
    nxdomain,  // the name does not exist (RCODE 3)
    nodata,    // the name exists, no records of this type
    servfail,  // SERVFAIL, FORMERR or an unparseable answer
    timeout,   // no answer within the resolver's deadline
    refused,   // REFUSED: a temporary error like servfail (temperror), named apart in reasons
};

// "ok", "NXDOMAIN", "no records", "SERVFAIL", "timeout": for reasons people read.
std::string_view to_string(DnsStatus status);

struct DnsQuery {
    std::string name;  // no trailing dot
    RrType type = RrType::txt;
    bool operator==(const DnsQuery&) const = default;
};

// records, by type: TXT: each record's character-strings concatenated; A/AAAA: the address in
// text form; MX: the exchange name (preference is irrelevant to SPF); PTR/NS/CNAME: the name.
struct DnsAnswer {
    DnsStatus status = DnsStatus::nxdomain;
    std::vector<std::string> records;
};

// A blocking lookup, for tests, conformance suites and the CLI; the evaluators never call it.
class DnsLookup {
  public:
    virtual ~DnsLookup() = default;
    virtual DnsAnswer lookup(const DnsQuery& query) = 0;
};

}  // namespace relaylab::auth
