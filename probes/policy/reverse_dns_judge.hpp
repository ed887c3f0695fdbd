// PTR and forward-confirmed reverse DNS (FCrDNS) verdicts, sans-I/O. Large mailbox providers
// refuse or junk mail from an address without a PTR record, or whose PTR name does not resolve
// back to it (Gmail's and Yahoo's 2024 sender requirements; RFC 8601's iprev, RFC 1912 2.1).
// The coroutine that asks the resolver is in dns_reputation_checks.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "harness/dns/core/types.hpp"
#include "probes/common/check_result.hpp"

namespace relaylab::probe {

// A PTR RRset with more names is a mistake or an attack on the checker; these many are looked up.
inline constexpr std::size_t max_ptr_names_checked = 5;

// The A (IPv4) or AAAA (IPv6) lookup of one PTR name.
struct ForwardLookup {
    std::string name;
    dns::Status status = dns::Status::servfail;
    std::vector<std::string> addresses;
    std::string detail;
};

struct PtrFacts {
    std::string address;       // the target's address
    std::string reverse_name;  // "1.2.0.192.in-addr.arpa"
    dns::Status status = dns::Status::servfail;
    std::vector<std::string> names;  // PTR targets, no trailing dot
    std::string detail;
    std::vector<ForwardLookup> forward;  // one per name looked up, in order
};

// "ptr": no PTR fail, not forward-confirmed fail, confirmed pass; DNS failures error.
CheckResult judge_ptr(const PtrFacts& facts);

// The host name a greeting or EHLO reply gives: its first word ("mx.example.test" of
// "mx.example.test ESMTP Postfix"); "" when the text is empty.
std::string announced_name(std::string_view reply_first_line);

// "ptr.hostname": whether the greeting's or EHLO's host name is (one of) the PTR name(s).
// Receivers compare them (SpamAssassin's HELO_DYNAMIC / RDNS rules, Postfix's
// reject_unknown_helo_hostname leans on the same names); a mismatch is a warn.
CheckResult judge_ptr_hostname(const std::vector<std::string>& ptr_names,
                               std::string_view greeting_name, std::string_view ehlo_name);

}  // namespace relaylab::probe
