#include "harness/net/tls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace relaylab::net {

namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;

namespace {

// A test CA outlives many runs but not a decade of them.
constexpr int test_ca_days = 3650;
// Leaf certificates: long enough for any run, short enough to look like a real one.
constexpr int leaf_days = 90;
// An expired certificate ended a day ago, after a month of validity: a lapsed renewal.
constexpr auto expired_ago = std::chrono::hours(24);
constexpr auto expired_lifetime = std::chrono::hours(24 * 30);
// The wrong-host variant names a host no sender could be looking for (RFC 2606 .invalid).
constexpr const char* wrong_host_name = "wrong-host.relaylab.invalid";
constexpr const char* test_ca_name = "relaylab test CA (not for production)";

struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct KeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
    void operator()(X509* x509) const { X509_free(x509); }
};
struct BnDeleter {
    void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

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

KeyPtr new_key() {
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) openssl_failure("EVP_EC_gen");
    return key;
}

struct CertificateSpec {
    std::string common_name;
    std::string subject_alt_names;  // "DNS:a,IP:127.0.0.1"; empty: none
    CertificateValidity validity;
    bool ca = false;
};

// issuer == nullptr: self-signed with `subject_key`.
X509Ptr build_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                          EVP_PKEY* issuer_key) {
    X509Ptr cert(X509_new());
    if (!cert) openssl_failure("X509_new");
    X509_set_version(cert.get(), 2);
    // Random serials: a client caching certificates by issuer and serial must not mix two
    // variants issued by the same CA (RFC 5280 4.1.2.2 asks for uniqueness per issuer).
    std::unique_ptr<BIGNUM, BnDeleter> serial(BN_new());
    if (!serial || !BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
        openssl_failure("serial number");
    }
    ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                  std::chrono::system_clock::to_time_t(spec.validity.not_before));
    ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                  std::chrono::system_clock::to_time_t(spec.validity.not_after));
    X509_set_pubkey(cert.get(), subject_key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    auto add = [&](int nid, const std::string& value) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
        if (ext == nullptr) openssl_failure("X509V3_EXT_conf_nid");
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    };
    add(NID_subject_key_identifier, "hash");
    if (issuer) add(NID_authority_key_identifier, "keyid:always");
    if (spec.ca) {
        add(NID_basic_constraints, "critical,CA:TRUE");
        add(NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add(NID_basic_constraints, "critical,CA:FALSE");
        add(NID_key_usage, "critical,digitalSignature");
        add(NID_ext_key_usage, "serverAuth");
    }
    if (!spec.subject_alt_names.empty()) add(NID_subject_alt_name, spec.subject_alt_names);
    if (X509_sign(cert.get(), issuer_key ? issuer_key : subject_key, EVP_sha256()) == 0) {
        openssl_failure("X509_sign");
    }
    return cert;
}

CertificatePem to_pem(X509* cert, EVP_PKEY* key) {
    BioPtr cert_bio(BIO_new(BIO_s_mem()));
    BioPtr key_bio(BIO_new(BIO_s_mem()));
    if (!cert_bio || !key_bio) openssl_failure("BIO_new");
    if (!PEM_write_bio_X509(cert_bio.get(), cert)) openssl_failure("PEM_write_bio_X509");
    if (!PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
        openssl_failure("PEM_write_bio_PrivateKey");
    }
    return {bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

X509Ptr parse_certificate(const std::string& pem, const std::string& where) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) throw std::runtime_error(where + ": not a PEM certificate");
    return cert;
}

KeyPtr parse_key(const std::string& pem, const std::string& where) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key) throw std::runtime_error(where + ": not a PEM private key");
    return key;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path.string() + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Write-then-rename, so a reader never sees half a file; `mode` applies from creation (the
// key is never readable by others, not even for a moment).
void write_file_atomically(const fs::path& path, const std::string& text, mode_t mode) {
    fs::path temporary = path;
    temporary += ".tmp." + std::to_string(::getpid());
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error(temporary.string() + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
        ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int error = errno;
            ::close(fd);
            ::unlink(temporary.c_str());
            throw std::runtime_error(temporary.string() + ": " + std::strerror(error));
        }
        written += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throw std::runtime_error(path.string() + ": " + std::strerror(error));
    }
}

// Holds an exclusive lock on DIR/.lock: two processes starting at once make one CA, not two
// that overwrite each other's files.
class DirectoryLock {
  public:
    explicit DirectoryLock(const fs::path& dir) {
        fs::path path = dir / ".lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) throw std::runtime_error(path.string() + ": " + std::strerror(errno));
        while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
        }
    }
    ~DirectoryLock() { ::close(fd_); }
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace

std::optional<TlsVersions> parse_tls_versions(std::string_view text) {
    if (text == "any") return TlsVersions::any;
    if (text == "1.2") return TlsVersions::tls12_only;
    if (text == "1.3") return TlsVersions::tls13_only;
    return std::nullopt;
}

std::string_view to_string(TlsVersions versions) {
    switch (versions) {
        case TlsVersions::any:
            return "any";
        case TlsVersions::tls12_only:
            return "1.2";
        case TlsVersions::tls13_only:
            return "1.3";
        case TlsVersions::legacy:
            return "legacy";
    }
    return "any";
}

void apply_tls_versions(ssl::context& context, TlsVersions versions) {
    SSL_CTX* native = context.native_handle();
    switch (versions) {
        case TlsVersions::any:
            SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
            SSL_CTX_set_max_proto_version(native, 0);  // 0: the highest OpenSSL knows
            break;
        case TlsVersions::tls12_only:
            SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
            SSL_CTX_set_max_proto_version(native, TLS1_2_VERSION);
            break;
        case TlsVersions::tls13_only:
            SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
            SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
            break;
        case TlsVersions::legacy:
            // OpenSSL 3 offers TLS 1.0/1.1 only at security level 0 (their SHA-1 signatures).
            SSL_CTX_set_min_proto_version(native, TLS1_VERSION);
            SSL_CTX_set_max_proto_version(native, 0);
            SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
            break;
    }
}

std::optional<TlsVariant> parse_tls_variant(std::string_view text) {
    if (text == "valid") return TlsVariant::valid;
    if (text == "self-signed") return TlsVariant::self_signed;
    if (text == "expired") return TlsVariant::expired;
    if (text == "wrong-host") return TlsVariant::wrong_host;
    return std::nullopt;
}

std::string_view to_string(TlsVariant variant) {
    switch (variant) {
        case TlsVariant::valid:
            return "valid";
        case TlsVariant::self_signed:
            return "self-signed";
        case TlsVariant::expired:
            return "expired";
        case TlsVariant::wrong_host:
            return "wrong-host";
    }
    return "valid";
}

CertificateValidity valid_for_days(int days) {
    auto now = std::chrono::system_clock::now();
    return {now - std::chrono::minutes(1), now + std::chrono::hours(24) * days};
}

TestCa make_test_ca() {
    KeyPtr key = new_key();
    CertificateSpec spec{test_ca_name, "", valid_for_days(test_ca_days), true};
    X509Ptr cert = build_certificate(spec, key.get(), nullptr, nullptr);
    return TestCa{to_pem(cert.get(), key.get()), ""};
}

TestCa load_or_create_test_ca(const fs::path& dir) {
    std::error_code ec;
    if (fs::create_directories(dir, ec)) {
        fs::permissions(dir, fs::perms::owner_all, ec);
    } else if (ec) {
        throw std::runtime_error(dir.string() +
                                 ": cannot create the test CA directory: " + ec.message());
    }
    DirectoryLock lock(dir);
    fs::path cert_path = dir / "ca.pem";
    fs::path key_path = dir / "ca.key";
    bool have_cert = fs::exists(cert_path);
    bool have_key = fs::exists(key_path);
    if (!have_cert && !have_key) {
        TestCa ca = make_test_ca();
        // The key first: a ca.pem on disk always has its key beside it.
        write_file_atomically(key_path, ca.pem.private_key, 0600);
        write_file_atomically(cert_path, ca.pem.certificate, 0644);
        ca.certificate_file = cert_path.string();
        return ca;
    }
    if (!have_cert || !have_key) {
        // Never overwrite half a CA: whoever trusts the old ca.pem would be locked out.
        throw std::runtime_error((have_cert ? key_path : cert_path).string() +
                                 " is missing while " +
                                 (have_cert ? cert_path : key_path).string() +
                                 " exists; remove both to make a new test CA");
    }
    TestCa ca{{read_file(cert_path), read_file(key_path)}, cert_path.string()};
    X509Ptr cert = parse_certificate(ca.pem.certificate, cert_path.string());
    KeyPtr key = parse_key(ca.pem.private_key, key_path.string());
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        throw std::runtime_error(key_path.string() + " is not the key of " + cert_path.string());
    }
    if (X509_check_ca(cert.get()) == 0) {
        throw std::runtime_error(cert_path.string() + " is not a CA certificate (CA:TRUE)");
    }
    if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0) {
        throw std::runtime_error(cert_path.string() +
                                 " has expired; remove ca.pem and ca.key to make a new test CA");
    }
    return ca;
}

CertificatePem issue_certificate(const TestCa& ca, const std::string& hostname,
                                 const CertificateValidity& validity, bool loopback_ip) {
    X509Ptr ca_cert = parse_certificate(ca.pem.certificate, "test CA certificate");
    KeyPtr ca_key = parse_key(ca.pem.private_key, "test CA key");
    KeyPtr key = new_key();
    // An address literal is an iPAddress entry: a dNSName holding one matches nothing
    // (RFC 6125 6.2.1), and an endpoint that listens on 127.0.0.2 or ::1 must verify too.
    unsigned char parsed[16];
    bool literal = ::inet_pton(AF_INET, hostname.c_str(), parsed) == 1 ||
                   ::inet_pton(AF_INET6, hostname.c_str(), parsed) == 1;
    std::string san = (literal ? "IP:" : "DNS:") + hostname;
    // The IP too: a client told to reach 127.0.0.1 without a name still verifies (RFC 6125 6.2).
    if (loopback_ip && hostname != "127.0.0.1") san += ",IP:127.0.0.1";
    CertificateSpec spec{hostname, san, validity, false};
    X509Ptr cert = build_certificate(spec, key.get(), ca_cert.get(), ca_key.get());
    return to_pem(cert.get(), key.get());
}

CertificatePem make_self_signed_certificate(const std::string& hostname, int days) {
    KeyPtr key = new_key();
    CertificateSpec spec{hostname, "DNS:" + hostname, valid_for_days(days), false};
    X509Ptr cert = build_certificate(spec, key.get(), nullptr, nullptr);
    return to_pem(cert.get(), key.get());
}

std::shared_ptr<ssl::context> make_server_context(const CertificatePem& pem, TlsVersions versions) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    harden(*context);
    apply_tls_versions(*context, versions);
    context->use_certificate_chain(boost::asio::buffer(pem.certificate));
    context->use_private_key(boost::asio::buffer(pem.private_key), ssl::context::pem);
    return context;
}

std::shared_ptr<ssl::context> make_server_context_from_files(const std::string& certificate_file,
                                                             const std::string& key_file,
                                                             TlsVersions versions) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    harden(*context);
    apply_tls_versions(*context, versions);
    context->use_certificate_chain_file(certificate_file);
    context->use_private_key_file(key_file, ssl::context::pem);
    return context;
}

std::shared_ptr<ssl::context> make_variant_server_context(TlsVariant variant,
                                                          const std::string& hostname,
                                                          TlsVersions versions, const TestCa* ca) {
    if (variant == TlsVariant::self_signed) {
        return make_server_context(make_self_signed_certificate(hostname, leaf_days), versions);
    }
    if (ca == nullptr) {
        throw std::invalid_argument("TLS variant '" + std::string(to_string(variant)) +
                                    "' needs a test CA (--tls-ca-dir)");
    }
    CertificatePem pem;
    switch (variant) {
        case TlsVariant::valid:
            pem = issue_certificate(*ca, hostname, valid_for_days(leaf_days));
            break;
        case TlsVariant::expired: {
            auto now = std::chrono::system_clock::now();
            CertificateValidity lapsed{now - expired_ago - expired_lifetime, now - expired_ago};
            pem = issue_certificate(*ca, hostname, lapsed);
            break;
        }
        case TlsVariant::wrong_host:
            // No IP address either: a client reaching 127.0.0.1 by address must fail too.
            pem = issue_certificate(*ca, wrong_host_name, valid_for_days(leaf_days), false);
            break;
        case TlsVariant::self_signed:
            break;
    }
    return make_server_context(pem, versions);
}

std::shared_ptr<ssl::context> make_client_context(const std::string& ca_file,
                                                  TlsVersions versions) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    harden(*context);
    apply_tls_versions(*context, versions);
    if (ca_file.empty()) {
        context->set_verify_mode(ssl::verify_none);
    } else {
        context->load_verify_file(ca_file);
        context->set_verify_mode(ssl::verify_peer);
    }
    return context;
}

namespace {

class TlsCategory : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "relaylab.tls"; }
    std::string message(int value) const override {
        constexpr int base = static_cast<int>(tls_error::x509_failure_base);
        if (value >= base) {
            return std::string("certificate rejected: ") +
                   X509_verify_cert_error_string(value - base);
        }
        switch (static_cast<tls_error>(value)) {
            case tls_error::certificate_expired:
                return "certificate expired (its notAfter date has passed)";
            case tls_error::certificate_not_yet_valid:
                return "certificate not yet valid (its notBefore date is in the future)";
            case tls_error::hostname_mismatch:
                return "host name mismatch (the certificate does not name the server)";
            case tls_error::self_signed_certificate:
                return "self-signed certificate (not issued by a trusted CA)";
            case tls_error::unknown_ca:
                return "unknown CA (the certificate chain does not end at a trusted CA)";
            case tls_error::protocol_version:
                return "no TLS protocol version in common with the peer";
            case tls_error::handshake_failure:
                return "handshake failure (the peer aborted the handshake)";
            case tls_error::not_tls:
                return "the peer did not answer with TLS";
            case tls_error::closed_by_peer:
                return "connection closed during the TLS handshake";
            case tls_error::peer_rejected_certificate:
                return "the peer rejected our certificate";
            case tls_error::x509_failure_base:
                break;
        }
        return "TLS error " + std::to_string(value);
    }
};

tls_error from_verify_result(long result) {
    switch (result) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return tls_error::certificate_expired;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return tls_error::certificate_not_yet_valid;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return tls_error::hostname_mismatch;
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return tls_error::self_signed_certificate;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return tls_error::unknown_ca;
        default:
            return static_cast<tls_error>(static_cast<int>(tls_error::x509_failure_base) +
                                          static_cast<int>(result));
    }
}

std::optional<tls_error> from_reason(int reason) {
    switch (reason) {
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_NO_PROTOCOLS_AVAILABLE:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        case SSL_R_WRONG_SSL_VERSION:
            return tls_error::protocol_version;
        case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        case SSL_R_NO_SHARED_CIPHER:
        case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
            return tls_error::handshake_failure;
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
        case SSL_R_HTTP_REQUEST:
        case SSL_R_UNEXPECTED_MESSAGE:
        case SSL_R_UNEXPECTED_RECORD:
            return tls_error::not_tls;
        // Alerts from a verifying peer (the server sees why the client hung up).
        case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
            return tls_error::certificate_expired;
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
            return tls_error::unknown_ca;
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
        case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
            return tls_error::peer_rejected_certificate;
        default:
            return std::nullopt;
    }
}

}  // namespace

const boost::system::error_category& tls_category() {
    static const TlsCategory category;
    return category;
}

boost::system::error_code make_error_code(tls_error error) {
    return {static_cast<int>(error), tls_category()};
}

boost::system::error_code classify_handshake_failure(const boost::system::error_code& ec,
                                                     SSL* ssl) {
    if (ec == boost::asio::ssl::error::stream_truncated || ec == boost::asio::error::eof ||
        ec == boost::asio::error::connection_reset) {
        return tls_error::closed_by_peer;
    }
    if (ec.category() != boost::asio::error::get_ssl_category()) return ec;
    int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && ssl != nullptr) {
        long result = SSL_get_verify_result(ssl);
        if (result != X509_V_OK) return from_verify_result(result);
    }
    if (auto named = from_reason(reason)) return *named;
    return ec;
}

}  // namespace relaylab::net
