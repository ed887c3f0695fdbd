#include "harness/net/tls.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace relaylab::net {

namespace ssl = boost::asio::ssl;

namespace {

struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct KeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
    void operator()(X509* x509) const { X509_free(x509); }
};

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

[[noreturn]] void openssl_failure(const char* what) {
    throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

void harden(ssl::context& context) {
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
}

}  // namespace

CertificatePem make_self_signed_certificate(const std::string& hostname, int days) {
    std::unique_ptr<EVP_PKEY, KeyDeleter> key(EVP_EC_gen("P-256"));
    if (!key) openssl_failure("EVP_EC_gen");
    std::unique_ptr<X509, X509Deleter> cert(X509_new());
    if (!cert) openssl_failure("X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
    std::string san = "DNS:" + hostname;
    if (X509_EXTENSION* ext =
            X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str())) {
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) openssl_failure("X509_sign");

    CertificatePem pem;
    std::unique_ptr<BIO, BioDeleter> cert_bio(BIO_new(BIO_s_mem()));
    std::unique_ptr<BIO, BioDeleter> key_bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_X509(cert_bio.get(), cert.get())) openssl_failure("PEM_write_bio_X509");
    if (!PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                  nullptr)) {
        openssl_failure("PEM_write_bio_PrivateKey");
    }
    pem.certificate = bio_text(cert_bio.get());
    pem.private_key = bio_text(key_bio.get());
    return pem;
}

std::shared_ptr<ssl::context> make_server_context(const CertificatePem& pem) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    harden(*context);
    context->use_certificate_chain(boost::asio::buffer(pem.certificate));
    context->use_private_key(boost::asio::buffer(pem.private_key), ssl::context::pem);
    return context;
}

std::shared_ptr<ssl::context> make_server_context_from_files(const std::string& certificate_file,
                                                             const std::string& key_file) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    harden(*context);
    context->use_certificate_chain_file(certificate_file);
    context->use_private_key_file(key_file, ssl::context::pem);
    return context;
}

std::shared_ptr<ssl::context> make_client_context(const std::string& ca_file) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    harden(*context);
    if (ca_file.empty()) {
        context->set_verify_mode(ssl::verify_none);
    } else {
        context->load_verify_file(ca_file);
        context->set_verify_mode(ssl::verify_peer);
    }
    return context;
}

}  // namespace relaylab::net
