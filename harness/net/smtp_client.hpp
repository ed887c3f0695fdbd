// SmtpClient: runs one smtp::ClientSession over a real connection — connect with a timeout,
// EHLO/HELO, STARTTLS, AUTH, then pipelined transactions pulled from a MessageSource until the
// source runs dry or the per-connection limit is reached, then QUIT.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "harness/net/smtp_stream.hpp"
#include "harness/smtp/client_session.hpp"

namespace relaylab::net {

// Where the client's messages come from and where the results go. Called on the connection's
// io thread.
class MessageSource {
  public:
    virtual ~MessageSource() = default;
    // A message that may go now, without waiting; nullopt if none is ready.
    virtual std::optional<smtp::OutgoingMessage> try_next() = 0;
    // Waits for the next message; nullopt when no more will come.
    virtual boost::asio::awaitable<std::optional<smtp::OutgoingMessage>> next() = 0;
    virtual void on_started(std::uint64_t /*id*/) {}
    virtual void on_done(smtp::TransactionResult&& result) = 0;
    // Messages taken but never started because the session ended first.
    virtual void on_unsent(std::vector<smtp::OutgoingMessage>&& messages) = 0;
};

struct ClientTimeouts {
    std::chrono::milliseconds connect{std::chrono::seconds(30)};
    std::chrono::milliseconds tls_handshake{std::chrono::seconds(60)};
    // When set, replaces every RFC 5321 4.5.3.2 per-phase default (tests, impatient probes).
    std::optional<std::chrono::milliseconds> every_phase;
};

struct ClientConnectionOptions {
    smtp::ClientConfig session;
    std::shared_ptr<boost::asio::ssl::context> tls;  // for STARTTLS or implicit TLS
    std::string sni;                                 // TLS server name
    ClientTimeouts timeouts;
    std::size_t messages_per_connection = 0;  // 0: no limit
    std::size_t pipeline_depth = 2;           // transactions submitted ahead
};

struct ConnectionOutcome {
    bool connected = false;
    bool clean = false;  // ended with QUIT/221 (or the source ran dry before any mail)
    std::string error;   // why it ended otherwise
    std::size_t transactions = 0;
    TlsInfo tls;
    smtp::Reply greeting;
    smtp::ServerCapabilities capabilities;
    bool plaintext_injection_seen = false;
};

boost::asio::awaitable<ConnectionOutcome> run_client_connection(
    const boost::asio::ip::tcp::endpoint& endpoint, const ClientConnectionOptions& options,
    MessageSource& source);

}  // namespace relaylab::net
