// The TLS policy of outbound SMTP connections, in the vocabulary of Postfix's
// smtp_tls_security_level, and what a handshake established or why it failed, as typed values
// (smtp/outcome.hpp) for reports.
//
//   none     no STARTTLS even when offered
//   may      opportunistic: STARTTLS when offered, the certificate not checked; a failed
//            handshake retries in plaintext on a new connection, and the outcome records it
//   encrypt  STARTTLS mandatory, the certificate not checked
//   verify   STARTTLS mandatory, chain checked against the trust anchors and the name against
//            the MX host name
//   dane     STARTTLS mandatory, the certificate checked against DNSSEC-validated TLSA records
//            (RFC 7672): DANE-EE(3) records with any selector and matching type; DANE-TA(2) and
//            the PKIX usages are counted unusable here (see dane_check)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "harness/dns/results.hpp"
#include "harness/net/tls.hpp"
#include "harness/smtp/client_session.hpp"
#include "harness/smtp/outcome.hpp"

namespace relaylab::net {

enum class TlsSecurityLevel { none, may, encrypt, verify, dane };
// "none", "may", "encrypt", "verify", "dane"; nullopt for anything else.
std::optional<TlsSecurityLevel> parse_tls_security_level(std::string_view text);
std::string_view to_string(TlsSecurityLevel level);

// One TLSA record (RFC 6698 2.1), as the resolver returned it.
struct TlsaRecord {
    std::uint8_t usage = 0;     // 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE
    std::uint8_t selector = 0;  // 0 full certificate, 1 SubjectPublicKeyInfo
    std::uint8_t matching = 0;  // 0 exact, 1 SHA-256, 2 SHA-512
    std::string data;           // binary association data
};

// The TLSA records of _25._tcp.<mx>, with whether the answer was DNSSEC-validated (the AD bit
// from a validating resolver, dns::Answer::authenticated_data).
struct DaneRecords {
    std::vector<TlsaRecord> records;
    bool authenticated = false;
};

// The owner name of an SMTP server's TLSA records (RFC 7672 2.2.3): "_25._tcp.<mx>".
std::string tlsa_owner_name(std::string_view mx_host, std::uint16_t port = 25);
// The resolver's TLSA answer (dns::Resolver::tlsa) as DANE input; authenticated only when the
// lookup succeeded and the answer carried the AD bit.
DaneRecords dane_records_from(const dns::LookupResult<dns::TlsaData>& lookup);

struct TlsPolicy {
    TlsSecurityLevel level = TlsSecurityLevel::none;
    std::string ca_file;  // verify: trust anchors; empty: OpenSSL's default paths
    TlsVersions versions = TlsVersions::any;
};

// The ClientSession mode a level needs: none -> none, may -> opportunistic, else required.
smtp::TlsMode session_mode(TlsSecurityLevel level);
// The client context a policy needs (nullptr for none). Loads files: call at set-up.
std::shared_ptr<boost::asio::ssl::context> make_policy_context(const TlsPolicy& policy);

// A failed handshake's error (classify_handshake_failure's) as a typed TLS failure.
smtp::TlsFailure to_tls_failure(const boost::system::error_code& ec);

// The session's facts after a successful handshake: version, cipher, peer certificate subject
// (one line, RFC 2253), and whether the chain verified (SSL_get_verify_result under a verifying
// context). `verified` stays false under verify_none contexts.
smtp::TlsResult describe_tls_session(SSL* ssl, bool context_verifies);

// The association data of a TLSA record with matching type `matching` (RFC 6698 2.1.3: 0 the
// bytes themselves, 1 SHA-256, 2 SHA-512) for the bytes its selector names; empty for another
// matching type or a digest failure.
std::string tlsa_association(const std::string& selected, std::uint8_t matching);

// RFC 7672 2.2, 3.1: checks the peer's certificate against the TLSA records. DANE-EE(3): the
// end-entity certificate (selector 0) or its SubjectPublicKeyInfo (selector 1), exact or
// SHA-256/SHA-512, names and dates ignored. Other usages are unusable in this implementation.
// Returns TlsFailure::none on a match.
smtp::TlsFailure dane_check(SSL* ssl, const DaneRecords& tlsa);

}  // namespace relaylab::net
