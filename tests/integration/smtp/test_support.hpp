// Helpers for in-process tests of the SMTP server and client: a test CA, blocking raw sockets
// for scripted peers, and a MessageSource that records results.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "harness/net/smtp_client.hpp"
#include "harness/net/smtp_server.hpp"
#include "harness/net/tls.hpp"

namespace relaylab::test {

// What a capturing server received: every message and the TLS it came over.
struct Capture {
    std::mutex mutex;
    std::vector<smtp::ReceivedMessage> messages;
    std::vector<net::TlsInfo> tls;
};

// A server on an ephemeral loopback port (hostname mx.server.test, 10 s command timeout) that
// keeps every message it accepts in `capture`.
net::SmtpServerConfig capturing_server(Capture& capture);

// A CA made at test time and a server certificate it signed, written to a temporary folder.
struct TestPki {
    std::string dir;
    std::string ca_file;  // CA certificate (PEM)
    net::CertificatePem server;
    // Removes `dir` when the last copy goes: tests must not leave /tmp/relaylab-pki-* behind.
    std::shared_ptr<void> cleanup;
};
TestPki make_test_pki(const std::string& server_name);

// Blocking loopback socket with a receive timeout, for scripted clients and servers.
class RawSocket {
  public:
    static RawSocket connect(std::uint16_t port);
    explicit RawSocket(int fd) : fd_(fd) {}
    RawSocket(RawSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    ~RawSocket();
    void send(std::string_view data);
    // Reads until `needle` is in what was read, EOF or the timeout; returns all that was read.
    std::string read_until(std::string_view needle,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5));
    bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    int fd() const { return fd_; }

  private:
    int fd_;
    std::string pending_;
};

// A listening socket for scripted servers; port() is ephemeral.
class RawListener {
  public:
    RawListener();
    ~RawListener();
    std::uint16_t port() const { return port_; }
    RawSocket accept(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  private:
    int fd_;
    std::uint16_t port_;
};

// Sends `messages`, records every result.
class RecordingSource : public net::MessageSource {
  public:
    explicit RecordingSource(std::vector<smtp::OutgoingMessage> messages)
        : queue_(messages.begin(), messages.end()) {}
    std::optional<smtp::OutgoingMessage> try_next() override;
    boost::asio::awaitable<std::optional<smtp::OutgoingMessage>> next() override;
    void on_done(smtp::TransactionResult&& result) override {
        results.push_back(std::move(result));
    }
    void on_unsent(std::vector<smtp::OutgoingMessage>&& messages) override {
        unsent += messages.size();
    }
    std::vector<smtp::TransactionResult> results;
    std::size_t unsent = 0;

  private:
    std::deque<smtp::OutgoingMessage> queue_;
};

smtp::OutgoingMessage make_message(std::uint64_t id, std::string content);

// Client options for tests on loopback: every wait (connect, handshake, each phase) 5 s.
net::ClientConnectionOptions quick_client();

// Runs one client connection to 127.0.0.1:port to completion on a private io_context.
net::ConnectionOutcome run_client(std::uint16_t port, const net::ClientConnectionOptions& options,
                                  RecordingSource& source);

}  // namespace relaylab::test
