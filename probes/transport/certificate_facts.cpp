#include "probes/transport/certificate_facts.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

namespace relaylab::probe {

namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
    void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse_der(std::string_view der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::string name_text(const X509_NAME* name) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || name == nullptr) return {};
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::int64_t seconds_of(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string sha256(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), out, &length, EVP_sha256(), nullptr) != 1) return {};
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string der_of(X509* cert) {
    unsigned char* der = nullptr;
    int length = i2d_X509(cert, &der);
    if (length <= 0 || der == nullptr) return {};
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

std::string spki_of(X509* cert) {
    unsigned char* der = nullptr;
    int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (length <= 0 || der == nullptr) return {};
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

void read_alt_names(X509* cert, CertificateFacts& facts) {
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (names == nullptr) return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            const ASN1_IA5STRING* dns = name->d.dNSName;
            facts.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                         static_cast<std::size_t>(ASN1_STRING_length(dns)));
        } else if (name->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* ip = name->d.iPAddress;
            if (ASN1_STRING_length(ip) == 4) {
                const unsigned char* b = ASN1_STRING_get0_data(ip);
                facts.ip_addresses.push_back(std::to_string(b[0]) + "." + std::to_string(b[1]) +
                                             "." + std::to_string(b[2]) + "." +
                                             std::to_string(b[3]));
            } else {
                facts.ip_addresses.push_back(
                    "(IPv6) " + to_hex(std::string_view(
                                    reinterpret_cast<const char*>(ASN1_STRING_get0_data(ip)),
                                    static_cast<std::size_t>(ASN1_STRING_length(ip)))));
            }
        }
    }
    GENERAL_NAMES_free(names);
}

}  // namespace

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0x0f];
    }
    return out;
}

std::string rfc3339_utc(std::int64_t seconds_since_epoch) {
    std::time_t t = static_cast<std::time_t>(seconds_since_epoch);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

std::optional<CertificateFacts> certificate_facts(std::string_view der) {
    X509Ptr cert = parse_der(der);
    if (!cert) {
        ERR_clear_error();
        return std::nullopt;
    }
    CertificateFacts facts;
    facts.der = der_of(cert.get());
    facts.spki_der = spki_of(cert.get());
    facts.subject = name_text(X509_get_subject_name(cert.get()));
    facts.issuer = name_text(X509_get_issuer_name(cert.get()));
    facts.not_before = seconds_of(X509_get0_notBefore(cert.get()));
    facts.not_after = seconds_of(X509_get0_notAfter(cert.get()));
    read_alt_names(cert.get(), facts);
    if (X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0) {
        EVP_PKEY* key = X509_get0_pubkey(cert.get());
        facts.self_signed = key != nullptr && X509_verify(cert.get(), key) == 1;
    }
    facts.sha256_hex = to_hex(sha256(facts.der));
    facts.spki_sha256_hex = to_hex(sha256(facts.spki_der));
    ERR_clear_error();
    return facts;
}

std::string der_from_pem(std::string_view pem) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    return cert ? der_of(cert.get()) : std::string();
}

std::vector<CertificateFacts> peer_chain(SSL* ssl) {
    std::vector<CertificateFacts> chain;
    if (ssl == nullptr) return chain;
    // On the client side SSL_get_peer_cert_chain holds the leaf too, in the order sent.
    STACK_OF(X509)* sent = SSL_get_peer_cert_chain(ssl);
    if (sent != nullptr) {
        for (int i = 0; i < sk_X509_num(sent); ++i) {
            if (auto facts = certificate_facts(der_of(sk_X509_value(sent, i))))
                chain.push_back(std::move(*facts));
        }
    } else if (X509* leaf = SSL_get0_peer_certificate(ssl)) {
        if (auto facts = certificate_facts(der_of(leaf))) chain.push_back(std::move(*facts));
    }
    return chain;
}

bool certificate_names_host(const CertificateFacts& certificate, const std::string& host) {
    X509Ptr cert = parse_der(certificate.der);
    if (!cert || host.empty()) return false;
    int matched = X509_check_ip_asc(cert.get(), host.c_str(), 0);
    if (matched == -2) {  // not an IP address: a host name
        matched = X509_check_host(cert.get(), host.data(), host.size(),
                                  X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
    }
    ERR_clear_error();
    return matched == 1;
}

ChainVerification verify_chain(const std::vector<CertificateFacts>& chain,
                               const std::string& ca_file) {
    ChainVerification out;
    out.trust_anchors = ca_file.empty() ? "the system's trust store" : "--ca " + ca_file;
    if (chain.empty()) {
        out.error = "no certificate presented";
        return out;
    }
    std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
    std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
    std::unique_ptr<X509_STORE_CTX, StoreCtxFree> context(X509_STORE_CTX_new());
    if (!store || !untrusted || !context) {
        out.error = "out of memory";
        return out;
    }
    const bool loaded = ca_file.empty() ? X509_STORE_set_default_paths(store.get()) == 1
                                        : X509_STORE_load_file(store.get(), ca_file.c_str()) == 1;
    if (!loaded) {
        ERR_clear_error();
        out.error = "cannot load trust anchors from " + out.trust_anchors;
        return out;
    }
    X509Ptr leaf = parse_der(chain.front().der);
    for (std::size_t i = 1; i < chain.size(); ++i) {
        if (X509* c = parse_der(chain[i].der).release()) sk_X509_push(untrusted.get(), c);
    }
    if (!leaf ||
        X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
        ERR_clear_error();
        out.error = "the certificate cannot be parsed";
        return out;
    }
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(context.get()),
                                X509_V_FLAG_NO_CHECK_TIME);
    out.verified = X509_verify_cert(context.get()) == 1;
    if (!out.verified) {
        out.error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get()));
    }
    ERR_clear_error();
    return out;
}

}  // namespace relaylab::probe
