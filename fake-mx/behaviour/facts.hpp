// What the shell knows at a decision point, and what the engine answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "harness/smtp/reply.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::fakemx {

// How a session ends around a reply.
enum class Disconnect {
    none,
    before_reply,  // drop the connection without replying (a crash, a firewall)
    after_reply,   // send the reply, then close
    mid_data,      // at the DATA phase: answer 354, read N more bytes, then drop
};
std::string_view to_string(Disconnect disconnect);

// Authentication verdicts of the message (RFC 8601 result words: "pass", "fail", "softfail",
// "none", ...; "" when not evaluated). dmarc_policy is the DMARC policy that applies to this
// message ("none", "quarantine", "reject": p=, or sp= for a subdomain, after pct=), "none" when
// DMARC passed or found no record.
struct AuthFacts {
    std::string spf;
    std::string dkim;
    std::string dmarc;
    std::string arc;
    std::string dmarc_policy;
};

struct Facts {
    smtp::Phase phase = smtp::Phase::connect;
    std::string_view client_ip;
    std::string_view helo;       // "" before HELO/EHLO
    std::string_view mail_from;  // "" for the null sender and before MAIL
    // The RCPT being decided (Phase::rcpt only).
    std::string_view recipient;
    // Recipients accepted so far in this transaction.
    std::span<const std::string> recipients;
    std::uint64_t connection_number = 1;  // per fake MX host, 1-based
    // The transaction on this connection, 1-based, counting the one being decided (at MAIL it is
    // one more than the transactions started so far).
    std::uint64_t message_number = 1;
    bool tls = false;
    const AuthFacts* auth = nullptr;  // Phase::data_end only; may be null (not evaluated)
    // spamd's score (Phase::data_end, when the fake MX scores); nullopt: not scored.
    std::optional<double> spam_score;
};

struct Outcome {
    std::optional<smtp::Reply> reply;    // nullopt: the session's default reply
    std::chrono::milliseconds delay{0};  // wait this long before replying (or disconnecting)
    Disconnect disconnect = Disconnect::none;
    std::uint64_t mid_data_bytes = 0;  // Disconnect::mid_data: message bytes to read first
    // > 0: send the reply drip-fed, with this pause between small chunks.
    std::chrono::milliseconds tarpit_interval{0};
    std::string rule;  // the rules or mechanisms that fired, ", "-joined; "" when none

    bool is_default() const {
        return !reply && delay.count() == 0 && disconnect == Disconnect::none &&
               tarpit_interval.count() == 0;
    }
};

}  // namespace relaylab::fakemx
