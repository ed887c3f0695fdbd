#include "test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace relaylab::test {

namespace {

EVP_PKEY* new_key() {
    return EVP_EC_gen("P-256");
}

X509* new_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, bool ca) {
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    auto add = [&](int nid, const std::string& value) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    };
    if (ca) {
        add(NID_basic_constraints, "critical,CA:TRUE");
        add(NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add(NID_basic_constraints, "CA:FALSE");
        add(NID_subject_alt_name, "DNS:" + cn);
    }
    X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256());
    return cert;
}

std::string pem_of(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

std::string pem_of(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

}  // namespace

TestPki make_test_pki(const std::string& server_name) {
    char tmpl[] = "/tmp/relaylab-pki-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    TestPki pki;
    pki.dir = tmpl;
    pki.cleanup = std::shared_ptr<void>(nullptr, [dir = pki.dir](void*) {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    });
    EVP_PKEY* ca_key = new_key();
    X509* ca = new_cert(ca_key, "relaylab test CA", nullptr, nullptr, true);
    EVP_PKEY* key = new_key();
    X509* cert = new_cert(key, server_name, ca, ca_key, false);
    pki.ca_file = pki.dir + "/ca.pem";
    std::ofstream(pki.ca_file) << pem_of(ca);
    pki.server.certificate = pem_of(cert);
    pki.server.private_key = pem_of(key);
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return pki;
}

RawSocket RawSocket::connect(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        throw std::runtime_error("connect failed");
    }
    return RawSocket(fd);
}

RawSocket::~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
}

void RawSocket::send(std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string RawSocket::read_until(std::string_view needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.find(needle) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buffer[4096];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        pending_.append(buffer, static_cast<std::size_t>(n));
    }
    std::string out = std::move(pending_);
    pending_.clear();
    return out;
}

bool RawSocket::closed_by_peer(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char buffer[4096];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) return true;
        pending_.append(buffer, static_cast<std::size_t>(n));
    }
}

RawListener::RawListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 16);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
}

RawListener::~RawListener() {
    ::close(fd_);
}

RawSocket RawListener::accept(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
        throw std::runtime_error("no connection arrived");
    }
    return RawSocket(::accept(fd_, nullptr, nullptr));
}

std::optional<smtp::OutgoingMessage> RecordingSource::try_next() {
    if (queue_.empty()) return std::nullopt;
    auto message = std::move(queue_.front());
    queue_.pop_front();
    return message;
}

boost::asio::awaitable<std::optional<smtp::OutgoingMessage>> RecordingSource::next() {
    co_return try_next();
}

smtp::OutgoingMessage make_message(std::uint64_t id, std::string content) {
    smtp::OutgoingMessage message;
    message.id = id;
    message.mail_from = "sender@client.test";
    message.recipients = {"rcpt" + std::to_string(id) + "@server.test"};
    message.content = std::make_shared<const std::string>(std::move(content));
    return message;
}

net::ConnectionOutcome run_client(std::uint16_t port, const net::ClientConnectionOptions& options,
                                  RecordingSource& source) {
    boost::asio::io_context context;
    boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::address_v4::loopback(), port);
    auto future = boost::asio::co_spawn(
        context, net::run_client_connection(endpoint, options, source), boost::asio::use_future);
    context.run();
    return future.get();
}

net::SmtpServerConfig capturing_server(Capture& capture) {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.hostname = "mx.server.test";
    config.timeouts.command = std::chrono::seconds(10);
    config.on_message = [&capture](smtp::ReceivedMessage&& message, const net::TlsInfo& tls) {
        std::lock_guard lock(capture.mutex);
        capture.messages.push_back(std::move(message));
        capture.tls.push_back(tls);
    };
    return config;
}

net::ClientConnectionOptions quick_client() {
    using namespace std::chrono_literals;
    net::ClientConnectionOptions options;
    options.timeouts.every_phase = 5s;
    options.timeouts.connect = 5s;
    options.timeouts.tls_handshake = 5s;
    return options;
}

}  // namespace relaylab::test
