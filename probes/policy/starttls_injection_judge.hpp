// Verdicts of the STARTTLS injection check from what the server did, without I/O.
//
// CVE-2011-0411 (Postfix, and in the same year qmail, Cyrus, Courier...; again CVE-2021-38371
// in Exim and CVE-2021-33515 in Dovecot): a server that reads "STARTTLS\r\nNOOP\r\n" in one
// buffer, answers 220 and then keeps the buffered "NOOP" to run after the handshake executes a
// command a man in the middle injected in plaintext as if the client had sent it under TLS.
// RFC 3207 section 6 says the server must discard it. The probe pipelines a harmless NOOP:
//   - "starttls-injection": any reply inside TLS before the probe asked for one, or two
//     replies to its first command there, is fail; exactly one reply per command is pass.
//   - "starttls-injection.plaintext": the other direction. Bytes the server sends after its
//     220 and before the handshake (the NOOP answered in plaintext, or anything pipelined
//     behind the 220) are what a client with the same bug would take as TLS-protected: warn.
// A server that does not offer STARTTLS cannot have this bug: both are pass with
// details.applicable = false (the tls check is where a missing STARTTLS is judged).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/smtp/reply.hpp"
#include "probes/common/check_result.hpp"

namespace relaylab::probe {

inline constexpr std::string_view starttls_injection_group = "starttls-injection";
// What the probe pipelines behind STARTTLS: harmless if executed, and answered by every server.
inline constexpr std::string_view injected_command = "NOOP";

struct StarttlsInjectionFacts {
    bool starttls_offered = false;
    std::optional<smtp::Reply> starttls_reply;
    // Sent by the server after the 220 and before the handshake.
    std::vector<smtp::Reply> plaintext_after_220;
    bool plaintext_partial = false;  // part of a reply, or bytes no reply starts with
    bool tls_established = false;
    // Replies inside TLS that nothing asked for: before the probe's first command there, and
    // beyond the one reply to it.
    std::vector<smtp::Reply> unrequested_in_tls;
    std::optional<smtp::Reply> first_reply_in_tls;  // the answer to the probe's EHLO
    long long quiet_wait_ms = 0;
    // Why the dialogue stopped early ("timed out waiting for a reply ..."); empty when it did
    // not, and `failed_step` says where ("greeting", "EHLO", "STARTTLS", "TLS handshake").
    std::string failure;
    std::string failed_step;
    std::vector<std::string> evidence;
};

// "starttls-injection" and, when the 220 to STARTTLS came, "starttls-injection.plaintext".
std::vector<CheckResult> judge_starttls_injection(const StarttlsInjectionFacts& facts);

}  // namespace relaylab::probe
