// DANE for SMTP (RFC 7672) as a probe sees it: each TLSA record of _25._tcp.HOST matched
// against the chain the server presented. Sans-I/O: records and certificates in, findings out.
//
// Unlike net::dane_check (the relay's delivery-time check, DANE-EE only), a probe also judges
// DANE-TA(2) records: one matches a certificate the server sent above its leaf, provided the
// leaf chains up to it by name and signature (RFC 7671 5.2.2: the server must send the trust
// anchor, since a digest alone cannot be built on). PKIX-TA(0) and PKIX-EE(1) are counted
// unusable for SMTP (RFC 7672 3.1.3).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "harness/net/tls_policy.hpp"
#include "probes/transport/certificate_facts.hpp"

namespace relaylab::probe {

struct TlsaFinding {
    net::TlsaRecord record;
    bool usable = false;  // a usage/selector/matching type RFC 7672 lets an SMTP client use
    std::optional<std::size_t> matched_at;  // position in the chain (0: the leaf)
    std::string note;                       // why unusable, or what matched
};

// "3 1 1 0a1b..." (presentation form of RFC 6698 2.2, data in hex).
std::string tlsa_text(const net::TlsaRecord& record);
// The bytes a record's selector and matching type make of a certificate (exact DER, SHA-256 or
// SHA-512 of the certificate or of its SubjectPublicKeyInfo); empty for unknown values.
std::string tlsa_association(const CertificateFacts& certificate, std::uint8_t selector,
                             std::uint8_t matching);
// Whether chain[0] leads up to chain[anchor] by issuer name and signature at every step.
bool chains_up_to(const std::vector<CertificateFacts>& chain, std::size_t anchor);

TlsaFinding match_tlsa(const net::TlsaRecord& record, const std::vector<CertificateFacts>& chain);

}  // namespace relaylab::probe
