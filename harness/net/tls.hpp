// TLS contexts for SMTP servers and clients, and a throw-away certificate for tests and the
// embedded world (so `relaylab sink --starttls` works without files).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace relaylab::net {

struct CertificatePem {
    std::string certificate;  // PEM
    std::string private_key;  // PEM
};

// A self-signed certificate (EC P-256, SHA-256) for `hostname`, valid from now for `days`.
CertificatePem make_self_signed_certificate(const std::string& hostname, int days = 30);

// Server context from PEM files, or from PEM text when the strings are not file paths.
std::shared_ptr<boost::asio::ssl::context> make_server_context(const CertificatePem& pem);
std::shared_ptr<boost::asio::ssl::context> make_server_context_from_files(
    const std::string& certificate_file, const std::string& key_file);

// Client context. With ca_file empty the peer is not verified (a test harness must reach test
// servers with self-signed certificates); otherwise the chain and host name are checked.
std::shared_ptr<boost::asio::ssl::context> make_client_context(const std::string& ca_file = "");

}  // namespace relaylab::net
