#include "probes/transport/dane_match.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace relaylab::probe {

namespace {

// RFC 6698 2.1.1 / 2.1.2 / 2.1.3 values.
constexpr std::uint8_t usage_dane_ta = 2;
constexpr std::uint8_t usage_dane_ee = 3;
constexpr std::uint8_t selector_spki = 1;
constexpr std::uint8_t matching_sha512 = 2;

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

std::string tlsa_text(const net::TlsaRecord& record) {
    return std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
           std::to_string(record.matching) + " " + to_hex(record.data);
}

std::string tlsa_association(const CertificateFacts& certificate, std::uint8_t selector,
                             std::uint8_t matching) {
    if (selector > selector_spki || matching > matching_sha512) return {};
    const std::string& selected = selector == 0 ? certificate.der : certificate.spki_der;
    if (selected.empty()) return {};
    return net::tlsa_association(selected, matching);
}

bool chains_up_to(const std::vector<CertificateFacts>& chain, std::size_t anchor) {
    if (anchor >= chain.size()) return false;
    for (std::size_t i = 0; i < anchor; ++i) {
        X509Ptr subject = parse(chain[i].der);
        X509Ptr issuer = parse(chain[i + 1].der);
        bool ok = subject && issuer &&
                  X509_check_issued(issuer.get(), subject.get()) == X509_V_OK &&
                  X509_verify(subject.get(), X509_get0_pubkey(issuer.get())) == 1;
        ERR_clear_error();
        if (!ok) return false;
    }
    return true;
}

TlsaFinding match_tlsa(const net::TlsaRecord& record, const std::vector<CertificateFacts>& chain) {
    TlsaFinding finding;
    finding.record = record;
    if (record.usage != usage_dane_ta && record.usage != usage_dane_ee) {
        finding.note = "usage " + std::to_string(record.usage) +
                       " (PKIX) is not for SMTP (RFC 7672 3.1.3): unusable";
        return finding;
    }
    if (record.selector > selector_spki || record.matching > matching_sha512) {
        finding.note = "unknown selector or matching type: unusable";
        return finding;
    }
    finding.usable = true;
    if (chain.empty()) {
        finding.note = "no certificate presented";
        return finding;
    }
    if (record.usage == usage_dane_ee) {
        // RFC 7672 3.1.1: names and dates of the end entity do not matter, only the match.
        if (tlsa_association(chain[0], record.selector, record.matching) == record.data) {
            finding.matched_at = 0;
            finding.note = "DANE-EE matches the server's certificate";
        } else {
            finding.note = "DANE-EE does not match the server's certificate";
        }
        return finding;
    }
    for (std::size_t i = 1; i < chain.size(); ++i) {
        if (tlsa_association(chain[i], record.selector, record.matching) != record.data) continue;
        if (chains_up_to(chain, i)) {
            finding.matched_at = i;
            finding.note = "DANE-TA matches chain certificate " + std::to_string(i) + " (" +
                           chain[i].subject + ")";
        } else {
            finding.note = "DANE-TA matches chain certificate " + std::to_string(i) +
                           " but the server's certificate does not chain up to it";
        }
        return finding;
    }
    finding.note = chain.size() == 1
                       ? "DANE-TA matches nothing: the server sends no certificate above its own "
                         "(RFC 7671 5.2.2 asks it to send the trust anchor)"
                       : "DANE-TA matches no certificate the server sent";
    return finding;
}

}  // namespace relaylab::probe
