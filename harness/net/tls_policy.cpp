#include "harness/net/tls_policy.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace relaylab::net {

namespace ssl = boost::asio::ssl;

std::optional<TlsSecurityLevel> parse_tls_security_level(std::string_view text) {
    if (text == "none") return TlsSecurityLevel::none;
    if (text == "may") return TlsSecurityLevel::may;
    if (text == "encrypt") return TlsSecurityLevel::encrypt;
    if (text == "verify") return TlsSecurityLevel::verify;
    if (text == "dane") return TlsSecurityLevel::dane;
    return std::nullopt;
}

std::string_view to_string(TlsSecurityLevel level) {
    switch (level) {
        case TlsSecurityLevel::none:
            return "none";
        case TlsSecurityLevel::may:
            return "may";
        case TlsSecurityLevel::encrypt:
            return "encrypt";
        case TlsSecurityLevel::verify:
            return "verify";
        case TlsSecurityLevel::dane:
            return "dane";
    }
    return "none";
}

std::string tlsa_owner_name(std::string_view mx_host, std::uint16_t port) {
    std::string host(mx_host);
    if (!host.empty() && host.back() == '.') host.pop_back();
    // Appended, not `"_" + ... + host`: g++ 12 at -O3 warns falsely on that form
    // (-Wrestrict, GCC bug 105329), which breaks Release builds with -Werror.
    std::string name = "_";
    name += std::to_string(port);
    name += "._tcp.";
    name += host;
    return name;
}

DaneRecords dane_records_from(const dns::LookupResult<dns::TlsaData>& lookup) {
    DaneRecords dane;
    dane.authenticated = lookup.status == dns::Status::ok && lookup.authenticated_data;
    for (const auto& value : lookup.values) {
        dane.records.push_back({value.usage, value.selector, value.matching_type,
                                std::string(value.data.begin(), value.data.end())});
    }
    return dane;
}

smtp::TlsMode session_mode(TlsSecurityLevel level) {
    switch (level) {
        case TlsSecurityLevel::none:
            return smtp::TlsMode::none;
        case TlsSecurityLevel::may:
            return smtp::TlsMode::opportunistic;
        default:
            return smtp::TlsMode::required;
    }
}

std::shared_ptr<ssl::context> make_policy_context(const TlsPolicy& policy) {
    switch (policy.level) {
        case TlsSecurityLevel::none:
            return nullptr;
        case TlsSecurityLevel::may:
        case TlsSecurityLevel::encrypt:
        case TlsSecurityLevel::dane:  // TLSA decides after the handshake (dane_check)
            return make_client_context("", policy.versions);
        case TlsSecurityLevel::verify:
            if (!policy.ca_file.empty())
                return make_client_context(policy.ca_file, policy.versions);
            {
                auto context = make_client_context("", policy.versions);
                context->set_default_verify_paths();
                context->set_verify_mode(ssl::verify_peer);
                return context;
            }
    }
    return nullptr;
}

smtp::TlsFailure to_tls_failure(const boost::system::error_code& ec) {
    if (ec.category() != tls_category()) return smtp::TlsFailure::handshake;
    switch (static_cast<tls_error>(ec.value())) {
        case tls_error::certificate_expired:
            return smtp::TlsFailure::certificate_expired;
        case tls_error::certificate_not_yet_valid:
            return smtp::TlsFailure::certificate_not_yet_valid;
        case tls_error::hostname_mismatch:
            return smtp::TlsFailure::hostname_mismatch;
        case tls_error::self_signed_certificate:
            return smtp::TlsFailure::self_signed;
        case tls_error::unknown_ca:
            return smtp::TlsFailure::unknown_ca;
        case tls_error::protocol_version:
            return smtp::TlsFailure::no_common_version;
        default:
            if (ec.value() >= static_cast<int>(tls_error::x509_failure_base)) {
                return smtp::TlsFailure::certificate_rejected;
            }
            return smtp::TlsFailure::handshake;
    }
}

smtp::TlsResult describe_tls_session(SSL* ssl, bool context_verifies) {
    smtp::TlsResult result;
    if (ssl == nullptr) return result;
    result.active = true;
    result.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl))
        result.cipher = SSL_CIPHER_get_name(cipher);
    if (X509* peer = SSL_get0_peer_certificate(ssl)) {
        BIO* bio = BIO_new(BIO_s_mem());
        if (bio != nullptr) {
            X509_NAME_print_ex(bio, X509_get_subject_name(peer), 0, XN_FLAG_RFC2253);
            char* text = nullptr;
            long length = BIO_get_mem_data(bio, &text);
            if (length > 0 && text != nullptr) result.peer_subject.assign(text, length);
            BIO_free(bio);
        }
    }
    result.verified = context_verifies && SSL_get0_peer_certificate(ssl) != nullptr &&
                      SSL_get_verify_result(ssl) == X509_V_OK;
    return result;
}

namespace {

// The bytes a TLSA selector names: the DER certificate or its DER SubjectPublicKeyInfo.
std::string selected_der(X509* cert, std::uint8_t selector) {
    unsigned char* der = nullptr;
    int length =
        selector == 0 ? i2d_X509(cert, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (length <= 0 || der == nullptr) return {};
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

}  // namespace

std::string tlsa_association(const std::string& selected, std::uint8_t matching) {
    if (matching == 0) return selected;
    const EVP_MD* md = matching == 1 ? EVP_sha256() : matching == 2 ? EVP_sha512() : nullptr;
    if (md == nullptr) return {};
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(selected.data(), selected.size(), out, &length, md, nullptr) != 1) return {};
    return std::string(reinterpret_cast<const char*>(out), length);
}

smtp::TlsFailure dane_check(SSL* ssl, const DaneRecords& tlsa) {
    // RFC 7672 2.2: TLSA records from an unvalidated answer are as good as none.
    if (!tlsa.authenticated) return smtp::TlsFailure::dane_insecure_lookup;
    X509* peer = ssl != nullptr ? SSL_get0_peer_certificate(ssl) : nullptr;
    bool usable = false;
    for (const auto& record : tlsa.records) {
        // RFC 7672 3.1.3: PKIX usages SHOULD NOT be used with SMTP; DANE-TA needs chain
        // building that this implementation does not do yet.
        if (record.usage != 3 || record.selector > 1 || record.matching > 2) continue;
        usable = true;
        if (peer == nullptr) continue;
        std::string selected = selected_der(peer, record.selector);
        if (selected.empty()) continue;
        std::string value = tlsa_association(selected, record.matching);
        if (!value.empty() && value == record.data) return smtp::TlsFailure::none;
    }
    return usable ? smtp::TlsFailure::dane_no_match : smtp::TlsFailure::dane_unusable;
}

}  // namespace relaylab::net
