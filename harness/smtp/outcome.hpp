// Typed outcomes of SMTP client work: what happened to one message (or one connection attempt),
// by layer, as values to count and report, never strings to search. Sans-I/O: used by the client
// session, the Asio shell (connect, DNS, TLS), the load generator, the relay and the probes.
//
// Vocabulary follows Postfix where one exists: the phase a timeout hit is described as in
// smtp_proto.c's xfer_states ("timed out waiting for the reply to end of data"), the TLS policy
// levels are Postfix's smtp_tls_security_level values.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/smtp/reply.hpp"

namespace relaylab::smtp {

// The layer a failure belongs to; none when the message (or attempt) succeeded.
enum class FailureLayer {
    none,
    connect,   // TCP connect refused, unreachable, reset before the greeting
    dns,       // MX/A/AAAA/TLSA lookup failed
    tls,       // see TlsFailure
    timeout,   // see Waiting: which reply (or write) the client waited for
    protocol,  // the server broke the protocol: malformed reply, reply out of turn, lost mid-way
    reply,     // the server refused with a 4xx/5xx reply (code + enhanced code in Outcome::reply)
    local,     // refused before sending: no recipients, no content, AUTH not allowed in plaintext
};
std::string_view to_string(FailureLayer layer);

// Why TLS failed (FailureLayer::tls), in the words an operator uses.
enum class TlsFailure {
    none,
    not_offered,                // the policy required TLS and the server offered no STARTTLS
    starttls_refused,           // STARTTLS got a reply other than 220
    handshake,                  // the handshake failed for another reason (alert, no cipher)
    no_common_version,          // no protocol version in common
    certificate_expired,        // verify/dane: notAfter in the past
    certificate_not_yet_valid,  // verify/dane: notBefore in the future
    hostname_mismatch,          // verify: the certificate names another host
    self_signed,                // verify: a self-signed certificate
    unknown_ca,                 // verify: the chain does not end at a trusted CA
    certificate_rejected,       // verify: another X.509 verification failure
    dane_no_match,              // dane: no TLSA record matched the presented chain
    dane_unusable,              // dane: TLSA records present but none usable
    dane_insecure_lookup,       // dane: the TLSA answer lacked the AD bit (not DNSSEC-validated)
    no_context,                 // the client had no TLS configuration where the policy needed one
};
std::string_view to_string(TlsFailure failure);
std::string_view describe(TlsFailure failure);

// What the client was waiting for: the phase a timeout hit. Default timeouts are RFC 5321
// 4.5.3.2's (ClientSession::default_timeout). ClientSession::Waiting is this type.
enum class Waiting {
    greeting,
    ehlo,
    starttls,
    auth,
    mail,
    rcpt,
    data,
    data_block,  // writing content (DATA body or a BDAT chunk)
    data_end,    // the reply to "." or BDAT LAST
    rset,
    quit,
    nothing,
    connect,        // the shell's TCP connect
    tls_handshake,  // the shell's TLS handshake
};
std::string_view to_string(Waiting waiting);  // short key: "data_end"
// Postfix xfer_states style: "waiting for the reply to end of data" (after "timed out ").
std::string_view describe(Waiting waiting);

// A TLS session's facts, as recorded for a report (empty version when none was made).
struct TlsResult {
    bool active = false;
    std::string version;              // "TLSv1.3"
    std::string cipher;               // "TLS_AES_256_GCM_SHA384"
    std::string peer_subject;         // the peer certificate's subject, one line ("CN=mx.example")
    bool verified = false;            // chain (and name, or DANE) verified under the policy
    bool dane = false;                // verified by a TLSA record
    bool plaintext_fallback = false;  // policy may: the handshake failed, sent in plaintext
    TlsFailure fallback_reason = TlsFailure::none;  // why the first attempt failed (fallback)
};

// The outcome of one message (or one connection attempt).
struct Outcome {
    FailureLayer layer = FailureLayer::none;
    Reply reply;                        // the server's deciding reply (code 0 when none)
    TlsFailure tls = TlsFailure::none;  // layer == tls
    Waiting phase = Waiting::nothing;   // layer == timeout (and where a protocol failure hit)
    bool content_sent = false;          // the content was fully sent before the failure: the server
                                        // may have taken it, so a retry may deliver a duplicate
    std::string detail;                 // human text (OpenSSL's or the resolver's words, a reply)

    bool ok() const { return layer == FailureLayer::none; }
    // A retry may succeed: 4xx, timeouts, connect, DNS (SERVFAIL/timeout), TLS, protocol.
    // 5xx and local refusals are permanent.
    bool transient() const;
    // Stable short key for counting in reports: "ok", "reply:550", "tls:certificate_expired",
    // "timeout:data_end", "connect", "dns", "protocol:data_end", "local".
    std::string key() const;
    // One line for logs and reports: "550 5.7.1 relay denied", "timed out waiting for the
    // reply to end of data", "TLS: certificate expired (...)".
    std::string describe() const;
};

Outcome ok_outcome(const Reply& reply);
Outcome reply_outcome(const Reply& reply);
Outcome timeout_outcome(Waiting phase);
Outcome protocol_outcome(Waiting phase, std::string detail);
Outcome tls_outcome(TlsFailure failure, std::string detail);
Outcome connect_outcome(std::string detail);
Outcome dns_outcome(std::string detail);
Outcome local_outcome(std::string detail);

// One recipient within a transaction: a relay delivers one message to several recipients at
// one MX, and some may be refused while the message is accepted for the others.
struct RecipientResult {
    std::string address;
    Reply reply;            // the reply to its RCPT (code 0 when never answered)
    bool accepted = false;  // its RCPT got 2xx and the content was accepted after it
};

// One endpoint attempt of an MX list walk: where, and how it went.
struct AttemptOutcome {
    std::string endpoint;  // "mx1.example.test 127.0.0.1:2525"
    Outcome outcome;
    TlsResult tls;
};

}  // namespace relaylab::smtp
