// The "match" part of a behaviour rule: every condition given must hold for the rule to apply.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "fake-mx/behaviour/facts.hpp"
#include "harness/net/ip_range.hpp"

namespace relaylab::fakemx {

// An inclusive range of 1-based counts (connection, message or attempt numbers).
struct CountRange {
    std::uint64_t min = 1;
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max();

    bool contains(std::uint64_t n) const { return n >= min && n <= max; }
};

struct Conditions {
    // Globs; a list matches when any element does; empty: no condition.
    std::vector<std::string> sender;     // MAIL FROM address; "<>" or "" is the null sender
    std::vector<std::string> recipient;  // at RCPT the one decided; later any accepted one
    std::vector<std::string> domain;     // the recipient's domain, same rule
    std::vector<std::string> helo;
    std::vector<net::IpRange> client_ip;
    std::optional<CountRange> connection;
    std::optional<CountRange> message;
    std::optional<CountRange> attempt;  // per (client IP, sender, recipient), counted at RCPT
    std::optional<bool> tls;
    // Authentication verdicts (data_end only); a list of accepted words.
    std::vector<std::string> spf;
    std::vector<std::string> dkim;
    std::vector<std::string> dmarc;
    std::vector<std::string> arc;
    std::vector<std::string> dmarc_policy;
    // spamd's score (data_end, FakeMxConfig::spamd): holds when the message was scored and
    // the score is within [min, max]. A message that could not be scored matches no range.
    std::optional<double> spam_score_min;
    std::optional<double> spam_score_max;
    // Applied after the others: only the first N matches, then a seeded draw.
    std::uint64_t first = 0;  // 0: no limit
    double probability = 1.0;

    bool uses_attempt() const { return attempt.has_value(); }
    bool uses_client_ip() const { return !client_ip.empty(); }
};

// The deterministic conditions (all but first and probability). `attempt` is the attempt number
// of the triplet(s) in question, 0 when unknown; `client_ip` is the parsed Facts::client_ip.
bool conditions_hold(const Conditions& when, const Facts& facts, std::uint64_t attempt,
                     const std::optional<net::IpAddress>& client_ip);

}  // namespace relaylab::fakemx
