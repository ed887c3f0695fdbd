// DNS messages for a stub resolver, sans-I/O: build a query, judge a response. ldns does the
// wire format; this file decides what a response means (RFC 1034 5.3.3, RFC 2308).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/dns/core/types.hpp"

namespace relaylab::dns {

// A name a user or a mail header gave us, checked against RFC 1035 2.3.4 (labels of 1..63
// octets, at most 255 octets in wire form). Returns "" when valid, else the reason.
std::string check_name(std::string_view name);

// Lower case, no trailing dot: the form used for cache keys and comparisons.
std::string normalize_name(std::string_view name);

// "192.0.2.1" -> "1.2.0.192.in-addr.arpa"; IPv6 -> nibbles under ip6.arpa (RFC 3596 2.5).
// Returns "" when `ip` is not an address.
std::string reverse_name(std::string_view ip);

// Query bytes with RD set (a stub asks a recursive server; the fixture ignores RD) and, when
// edns_udp_size is non-zero, an OPT record advertising that buffer (RFC 6891 6.2.3).
// With request_ad the AD bit is set: RFC 6840 5.7, how a stub asks a validating resolver to
// report validation in the answer's AD bit.
// Throws std::invalid_argument when the name is not a valid domain name.
std::vector<std::uint8_t> build_query(std::uint16_t id, std::string_view name, RrType type,
                                      std::uint16_t edns_udp_size, bool request_ad = false);

enum class ResponseKind {
    usable,     // `answer` holds the outcome (ok, nxdomain, nodata, servfail)
    truncated,  // TC set: ask again over TCP (RFC 7766 5)
    mismatch,   // not a reply to our query (wrong ID or question): ignore it, keep waiting
    malformed,  // not a DNS message we can parse
};

struct ParsedResponse {
    ResponseKind kind = ResponseKind::malformed;
    Answer answer;      // meaningful when kind == usable
    std::string error;  // for malformed/mismatch
};

// Judges `wire` as the reply to (id, name, type). CNAMEs in the answer section are followed
// from `name` (at most max_cname_hops); NOERROR without records of `type` is nodata; the
// negative TTL is min(SOA TTL, SOA MINIMUM) from the authority section (RFC 2308 5).
// Never throws on hostile input.
ParsedResponse parse_response(std::span<const std::uint8_t> wire, std::uint16_t id,
                              std::string_view name, RrType type);

}  // namespace relaylab::dns
