// TLS for SMTP servers and clients: contexts, a throw-away certificate (so `relaylab sink
// --starttls` works without files), a test CA that relaylab generates and keeps, the certificate
// variants a fake MX serves (valid, self-signed, expired, wrong host name; TLS 1.2 or 1.3 only),
// and handshake failures named for what went wrong ("certificate expired") instead of OpenSSL's
// catch-all "certificate verify failed".
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

typedef struct ssl_st SSL;

namespace relaylab::net {

struct CertificatePem {
    std::string certificate;  // PEM
    std::string private_key;  // PEM
};

// Which protocol versions a context allows. TLS 1.0 and 1.1 are never allowed (RFC 8996),
// except by `legacy`: a test server that stands for an outdated MX, so that probes have
// something to warn about (min TLS 1.0, OpenSSL's security level 0). Never for clients.
enum class TlsVersions { any, tls12_only, tls13_only, legacy };
// "any", "1.2", "1.3"; nullopt for anything else ("legacy" too: the command-line options that
// parse this must not offer TLS 1.0 to anyone; the fake MX's behaviour file names it).
std::optional<TlsVersions> parse_tls_versions(std::string_view text);
std::string_view to_string(TlsVersions versions);
void apply_tls_versions(boost::asio::ssl::context& context, TlsVersions versions);

// The certificate a fake MX presents, each a failure a sender must notice (or not).
enum class TlsVariant {
    valid,        // issued by the test CA for the host name (and 127.0.0.1): verifies
    self_signed,  // its own issuer: "self-signed certificate" for a verifying client
    expired,      // issued by the test CA, notAfter in the past
    wrong_host,   // issued by the test CA for another name, no IP address
};
// "valid", "self-signed", "expired", "wrong-host"; nullopt for anything else.
std::optional<TlsVariant> parse_tls_variant(std::string_view text);
std::string_view to_string(TlsVariant variant);

// A CA for tests only (EC P-256, CA:TRUE, keyCertSign). Its key never leaves the test machine.
struct TestCa {
    CertificatePem pem;
    std::string certificate_file;  // DIR/ca.pem when persisted; empty for an in-memory CA
};

// The CA in `dir` (ca.pem + ca.key), created on first use: the directory 0700, the key 0600.
// A second process sees the same CA, so a client started later can trust DIR/ca.pem. Throws
// std::runtime_error naming the file when a half-present, unreadable or mismatched CA is found.
TestCa load_or_create_test_ca(const std::filesystem::path& dir);
// A CA in memory only (unit tests).
TestCa make_test_ca();

struct CertificateValidity {
    std::chrono::system_clock::time_point not_before;
    std::chrono::system_clock::time_point not_after;
};
// Validity from a minute ago (clock skew) for `days`.
CertificateValidity valid_for_days(int days);

// A server certificate issued by `ca` with SAN DNS:`hostname` (IP:`hostname` when it is an
// IPv4 or IPv6 address literal; and IP:127.0.0.1 when `loopback_ip`), EC P-256, serverAuth.
CertificatePem issue_certificate(const TestCa& ca, const std::string& hostname,
                                 const CertificateValidity& validity, bool loopback_ip = true);

// A self-signed certificate (EC P-256, SHA-256) for `hostname`, valid from now for `days`.
CertificatePem make_self_signed_certificate(const std::string& hostname, int days = 30);

// Server context from PEM text, or from PEM files.
std::shared_ptr<boost::asio::ssl::context> make_server_context(
    const CertificatePem& pem, TlsVersions versions = TlsVersions::any);
std::shared_ptr<boost::asio::ssl::context> make_server_context_from_files(
    const std::string& certificate_file, const std::string& key_file,
    TlsVersions versions = TlsVersions::any);

// A server context presenting `variant` for `hostname`. valid, expired and wrong_host need `ca`
// (std::invalid_argument without); self_signed ignores it. Generates a key: call it at set-up,
// not on an io thread. Each call makes its own context (one per fake MX host).
std::shared_ptr<boost::asio::ssl::context> make_variant_server_context(TlsVariant variant,
                                                                       const std::string& hostname,
                                                                       TlsVersions versions,
                                                                       const TestCa* ca);

// Client context. With ca_file empty the peer is not verified (a test harness must reach test
// servers with self-signed certificates); otherwise the chain is checked against ca_file, and
// SmtpStream::handshake checks the host name (or IP address) given as server name.
std::shared_ptr<boost::asio::ssl::context> make_client_context(
    const std::string& ca_file = "", TlsVersions versions = TlsVersions::any);

// Why a TLS handshake failed, in the words an operator uses. Values from
// x509_failure_base up carry an OpenSSL X509_V_ERR_* code the list below does not name.
enum class tls_error {
    certificate_expired = 1,    // "certificate expired": notAfter is in the past
    certificate_not_yet_valid,  // "certificate not yet valid": notBefore is in the future
    hostname_mismatch,          // "host name mismatch": the certificate names another host
    self_signed_certificate,    // "self-signed certificate": its own issuer, not a trusted CA
    unknown_ca,                 // "unknown CA": the chain does not end at a trusted CA
    protocol_version,           // "no TLS version in common" with the peer
    handshake_failure,          // "handshake failure": the peer aborted (no shared cipher...)
    not_tls,                    // "peer did not speak TLS": bytes that are not a TLS record
    closed_by_peer,             // "connection closed during the TLS handshake"
    peer_rejected_certificate,  // "the peer rejected our certificate" (its alert)
    x509_failure_base = 1000,   // + X509_V_ERR_*: "certificate rejected: <OpenSSL's text>"
};
const boost::system::error_category& tls_category();
boost::system::error_code make_error_code(tls_error error);

// Names a failed handshake on `ssl`: the certificate verification result when there is one,
// else the alert or record error OpenSSL reported. Other errors come back unchanged.
boost::system::error_code classify_handshake_failure(const boost::system::error_code& ec, SSL* ssl);

}  // namespace relaylab::net

template <>
struct boost::system::is_error_code_enum<relaylab::net::tls_error> : std::true_type {};
