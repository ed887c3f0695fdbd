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
#include "harness/net/tls_policy.hpp"
#include "harness/smtp/client_session.hpp"
#include "harness/smtp/outcome.hpp"

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
    // The session is ready for mail (greeting, EHLO, STARTTLS and AUTH done): what TLS it has,
    // so a relay can record per delivery the TLS it used.
    virtual void on_ready(const smtp::TlsResult& /*tls*/) {}
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
    // The Postfix-style TLS level (apply_tls_policy sets it with session.starttls and tls).
    // Unset: derived from session.starttls (opportunistic behaves as may, required as encrypt).
    std::optional<TlsSecurityLevel> tls_level;
    DaneRecords dane;  // level dane: the TLSA records of this endpoint
    // Set by run_client_connection on the plaintext retry after a failed STARTTLS under level
    // may: the reason, so the outcome (and MessageSource::on_ready) says so from the start.
    std::optional<smtp::TlsFailure> plaintext_retry_after;
};

// Sets tls_level, session.starttls and tls from `policy` (builds the context: call at set-up).
void apply_tls_policy(const TlsPolicy& policy, ClientConnectionOptions& options);

struct ConnectionOutcome {
    bool connected = false;
    bool clean = false;  // ended with QUIT/221 (or the source ran dry before any mail)
    std::string error;   // why it ended otherwise
    std::size_t transactions = 0;
    TlsInfo tls;
    smtp::Reply greeting;
    smtp::ServerCapabilities capabilities;
    bool plaintext_injection_seen = false;
    smtp::Outcome outcome;       // typed form of error: layer none when clean
    smtp::TlsResult tls_result;  // version, cipher, peer subject, verified, plaintext fallback
};

// One connection. Under level may a failed STARTTLS handshake is retried once in plaintext on a
// new connection (Postfix does the same), and tls_result records the fallback and its reason.
// A level that needs TLS with no context (options.tls null) is a tls:no_context outcome for
// encrypt and above, and plaintext for may: never a dereference of a missing context.
boost::asio::awaitable<ConnectionOutcome> run_client_connection(
    const boost::asio::ip::tcp::endpoint& endpoint, const ClientConnectionOptions& options,
    MessageSource& source);

// One MX host of a destination, in preference order.
struct Endpoint {
    std::string host;  // the MX name: SNI and the name verified (empty: options.sni is kept)
    boost::asio::ip::tcp::endpoint address;
    DaneRecords dane;  // level dane: _25._tcp.<host> TLSA
};

struct EndpointsOutcome {
    std::vector<smtp::AttemptOutcome> attempts;  // every endpoint tried, in order
    ConnectionOutcome last;                      // the connection that ended the walk
};

// Tries the endpoints in order (RFC 5321 5.1): the next one when a connection fails, the
// greeting never comes or is 4xx (421), or TLS fails before any mail (the level needed it).
// The walk stops at the first connection that got as far as sending mail, or at a 5xx greeting.
boost::asio::awaitable<EndpointsOutcome> run_client_endpoints(
    const std::vector<Endpoint>& endpoints, ClientConnectionOptions options, MessageSource& source);

}  // namespace relaylab::net
