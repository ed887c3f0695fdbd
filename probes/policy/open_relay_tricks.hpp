// The classic open-relay tricks as data: for each, the envelope a probe offers (MAIL FROM and
// one RCPT TO) to see whether the server takes mail for a domain it should not. These are the
// forms relay testers have tried since the 1990s (rlytest, abuse.net, MXToolbox): a plain
// foreign recipient, then the address forms an MTA may rewrite into one after accepting it
// (the % hack, source routes, quoted local parts, ! paths, address literals, a second @).
// Sans-I/O: the open-relay check (open_relay_checks.cpp) sends them; tests read the table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relaylab::probe {

// The local part every relay test recipient carries, so a postmaster who finds one in a log
// knows what it was.
inline constexpr std::string_view relay_test_user = "relaytest";
// A foreign address literal: TEST-NET-1 (RFC 5737), never anyone's mail server.
inline constexpr std::string_view foreign_address_literal = "[192.0.2.1]";

struct RelayTrick {
    std::string name;         // the result is "open-relay.<name>"
    std::string description;  // what the trick tries, for the explanation
    std::string mail_from;    // the path as sent, brackets included: "<>" or "<a@b>"
    std::string rcpt_to;      // the path as sent: "<relaytest%relay-test.example@mx.test>"
};

struct RelayTrickInputs {
    std::string sender;          // a sender outside the target's domain (--from)
    std::string local_domain;    // the domain the target receives for; empty: unknown
    std::string foreign_domain;  // one it must not relay to (--foreign-domain)
    std::string target_address;  // the IP address probed, for the address-literal forms
};

struct SkippedTrick {
    std::string name;
    std::string reason;
};

struct RelayTrickPlan {
    std::vector<RelayTrick> tricks;
    std::vector<SkippedTrick> skipped;  // tricks that need the local domain when none is known
};

// The tricks in the order they are tried (the plain foreign recipient first).
RelayTrickPlan plan_relay_tricks(const RelayTrickInputs& inputs);

// "[192.0.2.7]" or "[IPv6:2001:db8::7]" (RFC 5321 4.1.3); empty for an empty address.
std::string address_literal(std::string_view address);

// The host name a server announces: the first word of its greeting or EHLO reply text when it
// looks like a domain name (has a dot, letters/digits/hyphens only); else empty.
std::string announced_domain(std::string_view reply_text);

}  // namespace relaylab::probe
