// What a probe reads from the certificates a server presents: names, validity, the digests
// DANE records are made of, and whether the chain leads to a trust anchor. From DER bytes, so
// the judges (tls_judge.hpp, dane_match.hpp) and their tests need no connection; peer_chain()
// is the one place that takes them off a live TLS session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

typedef struct ssl_st SSL;

namespace relaylab::probe {

struct CertificateFacts {
    std::string der;       // the certificate, DER (TLSA selector 0)
    std::string spki_der;  // its SubjectPublicKeyInfo, DER (TLSA selector 1)
    std::string subject;   // RFC 2253, one line
    std::string issuer;
    std::vector<std::string> dns_names;  // subjectAltName dNSName entries
    std::vector<std::string> ip_addresses;
    std::int64_t not_before = 0;  // seconds since the epoch, UTC
    std::int64_t not_after = 0;
    // Issuer name equals subject name and the certificate's own key verifies its signature.
    bool self_signed = false;
    std::string sha256_hex;       // of der: what "x 0 1" TLSA records carry
    std::string spki_sha256_hex;  // of spki_der: what "x 1 1" TLSA records carry
};

// The facts of one DER certificate; nullopt when the bytes are not one.
std::optional<CertificateFacts> certificate_facts(std::string_view der);
// The first certificate of PEM text as DER (tests, fixtures); empty when there is none.
std::string der_from_pem(std::string_view pem);

// The chain the peer presented on `ssl`, leaf first, in the order sent (unverified).
std::vector<CertificateFacts> peer_chain(SSL* ssl);

// Whether `host` (a name, RFC 6125 rules as OpenSSL implements them, no partial wildcards; or
// an IP address against IP SANs) is a name of the certificate.
bool certificate_names_host(const CertificateFacts& certificate, const std::string& host);

struct ChainVerification {
    bool verified = false;
    std::string error;  // OpenSSL's reason when not verified: "unable to get local issuer..."
    std::string trust_anchors;  // "--ca /path/ca.pem" or "the system's trust store"
};
// Verifies the presented chain (leaf first) against the certificates of `ca_file`, or the
// system's store when empty. Dates are ignored here: expiry is judged on its own, so an expired
// certificate from a trusted CA reads "expired", not "untrusted".
ChainVerification verify_chain(const std::vector<CertificateFacts>& chain,
                               const std::string& ca_file);

// Lower-case hex of bytes ("ab01...").
std::string to_hex(std::string_view bytes);
// "2026-03-01T12:00:00Z".
std::string rfc3339_utc(std::int64_t seconds_since_epoch);

}  // namespace relaylab::probe
