// The judges of the "tls" and "dane" probe groups: facts a probe gathered over its connections
// in, CheckResults out. Sans-I/O (the certificate facts are plain values), so every rule below
// is unit-tested from tables; tls_checks.cpp only gathers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/net/tls_policy.hpp"
#include "harness/smtp/reply.hpp"
#include "probes/common/check_result.hpp"
#include "probes/transport/certificate_facts.hpp"

namespace relaylab::probe {

// RFC 8996 deprecates TLS 1.0 and 1.1; a certificate that lapses within this many days is one
// renewal failure away from breaking delivery (Let's Encrypt renews at 30 days left).
inline constexpr std::int64_t certificate_expiry_warning_days = 14;

// What an EHLO reply advertises for the TLS checks, keywords upper-cased (RFC 5321 4.1.1.1:
// case-insensitive). Not banner_ehlo.hpp's EhloFacts: two classes of one name in one namespace
// break the one-definition rule, and at -O0 the linker kept one's move assignment for both
// (relaylab probe crashed in parse_ehlo).
struct TlsEhloFacts {
    bool starttls = false;
    bool auth = false;
    std::vector<std::string> auth_mechanisms;
};
TlsEhloFacts ehlo_facts(const smtp::Reply& ehlo);

// --- tls.starttls ---------------------------------------------------------------------------
struct StarttlsFacts {
    std::string error;  // non-empty: the dialogue broke before an answer (then nothing else counts)
    bool offered = false;
    std::optional<smtp::Reply> starttls_reply;  // the answer to STARTTLS, when sent
    bool handshake_ok = false;
    std::string handshake_error;  // why the handshake failed
    std::string version, cipher;  // when it worked
    std::vector<std::string> evidence;
};
CheckResult judge_starttls(const StarttlsFacts& facts);

// --- tls.versions ---------------------------------------------------------------------------
enum class VersionOutcome { accepted, refused, undecided };
struct VersionAttempt {
    std::string version;  // "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"
    VersionOutcome outcome = VersionOutcome::undecided;
    std::string detail;  // the negotiated cipher, the handshake's failure, or why undecided
};
CheckResult judge_versions(const std::vector<VersionAttempt>& attempts);

// --- tls.cipher -----------------------------------------------------------------------------
struct CipherFacts {
    std::string version;  // "TLSv1.3"
    std::string name;     // OpenSSL's name: "TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-SHA"
    bool forward_secrecy = false;  // ephemeral key exchange (every TLS 1.3 suite)
    bool aead = false;             // GCM, CCM, ChaCha20-Poly1305
    int bits = 0;                  // symmetric strength
};
CheckResult judge_cipher(const CipherFacts& facts);

// --- tls.certificate ------------------------------------------------------------------------
struct CertificateCheckFacts {
    std::vector<CertificateFacts> chain;  // as presented, leaf first
    ChainVerification verification;
    std::string host;           // the target as given
    bool host_is_name = false;  // names are checked only for names
    bool name_matches = false;  // certificate_names_host(leaf, host) when host_is_name
    std::int64_t now = 0;       // seconds since the epoch
};
CheckResult judge_certificate(const CertificateCheckFacts& facts);

// --- tls.auth-before-tls --------------------------------------------------------------------
struct AuthExposureFacts {
    TlsEhloFacts plaintext;                 // EHLO before STARTTLS
    std::optional<TlsEhloFacts> after_tls;  // EHLO after the handshake, when it got that far
    std::vector<std::string> evidence;
};
CheckResult judge_auth_before_tls(const AuthExposureFacts& facts);

// --- dane -----------------------------------------------------------------------------------
enum class TlsaLookup { found, none, failed };
struct DaneFacts {
    std::string owner;  // "_25._tcp.mx.example.test"
    TlsaLookup lookup = TlsaLookup::failed;
    std::string lookup_error;
    bool authenticated = false;  // the answer's AD bit
    std::vector<net::TlsaRecord> records;
    std::string chain_error;  // non-empty: the chain could not be fetched
    std::vector<CertificateFacts> chain;
};
CheckResult judge_dane(const DaneFacts& facts);

}  // namespace relaylab::probe
