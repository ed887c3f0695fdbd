// SmtpServer: listeners (plain with optional STARTTLS, or implicit TLS) that run a
// smtp::ServerSession per connection. One io_context per thread with SO_REUSEPORT listeners on
// the same port, so connections spread over cores without shared state on the hot path.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "harness/net/connection_governor.hpp"
#include "harness/net/smtp_stream.hpp"
#include "harness/smtp/body_sink.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::net {

// Per-phase server timeouts; RFC 5321 4.5.3.2.7 asks a server to wait at least 5 minutes.
struct ServerTimeouts {
    std::chrono::milliseconds command{std::chrono::minutes(5)};
    std::chrono::milliseconds data{std::chrono::minutes(5)};  // between reads inside DATA/BDAT
    std::chrono::milliseconds tls_handshake{std::chrono::seconds(60)};
    std::chrono::milliseconds write{std::chrono::minutes(5)};
    std::chrono::milliseconds shutdown_grace{std::chrono::seconds(2)};  // flushing 421 on stop
    // Command and data waits while the server is under stress (three quarters of its
    // connection budget or of the process's descriptor budget in use): Postfix's
    // smtpd_timeout = ${stress?10}{300}. The shorter of this and the normal timeout applies.
    std::chrono::milliseconds stress{std::chrono::seconds(10)};
    // Inside DATA and BDAT the data timeout is a deadline for the whole request, extended by
    // one second per min_data_rate bytes received, never beyond `data` from now (Postfix's
    // smtpd_per_request_deadline with smtpd_min_data_rate, default 500): a client that drips
    // bytes is cut off, a slow but honest one is not. 0: the data timeout restarts on every
    // read (the pre-deadline behaviour).
    std::uint32_t min_data_rate = 500;  // bytes per second
};

// What one client (an address, or a subnet with `grouping`) may have of a server.
struct ClientLimits {
    // Concurrent connections: default half of the server's max_connections (see
    // GovernorLimits); 0: no per-client limit. Beyond: 421 4.7.0.
    std::size_t max_connections = static_cast<std::size_t>(-1);
    std::uint32_t max_rate = 0;  // new connections per minute; 0: off. Beyond: 421 4.7.0.
    ClientGrouping grouping;
};

struct ListenerConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;     // 0: ephemeral; see SmtpServer::port()
    bool implicit_tls = false;  // TLS from the first byte (RFC 8314 submissions port style)
};

// What a connection knows when the shell decides (fake MX behaviours, relay policy).
struct DecisionContext {
    smtp::ServerSession& session;
    smtp::Phase phase;
    std::uint64_t connection_number;  // 1-based, per server
    const TlsInfo& tls;
    std::chrono::system_clock::time_point connected_at;  // when the connection was accepted
};

struct SmtpServerConfig {
    std::vector<ListenerConfig> listeners{ListenerConfig{}};
    smtp::ServerConfig session;
    std::shared_ptr<boost::asio::ssl::context> tls;  // needed for STARTTLS or implicit TLS
    ServerTimeouts timeouts;
    std::size_t max_connections = 1000;  // beyond: 421 4.7.0 and close
    ClientLimits client_limits;          // per client, within max_connections
    unsigned threads = 1;                // io_contexts, each with its own listener socket
    // Called for every phase in session.decisions; may wait (delays, disk writes).
    std::function<boost::asio::awaitable<smtp::Decision>(DecisionContext&)> decide;
    // Called for each accepted message when Phase::data_end is not decided. Runs on an io
    // thread: keep it short and thread-safe.
    std::function<void(smtp::ReceivedMessage&&, const TlsInfo&)> on_message;
    // Streams each message's content to a sink made per connection (a relay's spool writer;
    // see smtp/body_sink.hpp), chunk by chunk as it arrives. Empty: content is collected in
    // memory (bounded by session.max_stored_size) and reaches the data_end decision and
    // on_message in ReceivedMessage::content. Sink calls run on the connection's io thread.
    std::function<std::unique_ptr<smtp::BodySink>(const smtp::ConnectionInfo&)> body_sink;
    // Observer factory for transcripts; may be empty.
    std::function<std::unique_ptr<smtp::SessionObserver>(const smtp::ConnectionInfo&)> observe;
    // Called once when a connection that got a session ends, for any reason, after the session
    // and its observer are gone: exactly the connections `observe` is called for (not those
    // refused over max_connections or failing implicit TLS before the greeting). Runs on an io
    // thread, or on the thread calling stop() for sessions cut off after the grace period.
    std::function<void(const smtp::ConnectionInfo&)> on_close;
    // STARTTLS is offered and answered 220, then the handshake fails the way an OpenSSL-based
    // MTA fails when it cannot use its certificate or shares no cipher with the client: the
    // ClientHello is read, a fatal handshake_failure alert is sent, the connection is closed.
    // Needs no certificate (`tls` may be empty).
    bool broken_starttls = false;
};

struct ServerStats {
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> refused_connections{0};         // over any connection limit
    std::atomic<std::uint64_t> refused_client_connections{0};  // of those: per-client limits
    std::atomic<std::uint64_t> accept_failures{0};  // accept() errors (EMFILE...), backed off
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> timeouts{0};
    std::atomic<std::uint64_t> tls_failures{0};
    std::atomic<std::uint64_t> active{0};
};

class SmtpServer {
  public:
    explicit SmtpServer(SmtpServerConfig config);
    ~SmtpServer();

    // Binds every listener (throws std::system_error naming the address when it cannot) and
    // starts the io threads.
    void start();
    // Graceful: stop accepting, tell each session 421 4.3.2, wait for them (bounded), join.
    void stop();

    std::uint16_t port(std::size_t listener = 0) const;
    const ServerStats& stats() const { return stats_; }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    ServerStats stats_;
};

}  // namespace relaylab::net
