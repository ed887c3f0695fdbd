// What a relay is told to be: listeners, who may relay, where mail goes, how delivery is shaped
// and retried, what it signs. Read from relay.json (relay_config_json.hpp) and from
// `relaylab relay` flags, or built by the scenario runner from a scenario's `relay` section.
// Names follow Postfix where Postfix has the knob (minimal_backoff_time, smtp_tcp_port, ...).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relaylab::relay {

struct HostPort {
    std::string host;  // a name or an address literal
    std::uint16_t port = 0;
};

struct ListenerSettings {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: ephemeral (the relay prints what it got)
    bool implicit_tls = false;
};

struct TlsFiles {
    std::filesystem::path certificate;  // PEM chain
    std::filesystem::path private_key;  // PEM
};

struct AuthUser {
    std::string name;
    std::string password;
};

// Where a domain's mail goes instead of its MX hosts.
struct SmarthostRoute {
    HostPort server;
    std::optional<AuthUser> auth;  // AUTH PLAIN/LOGIN as this user (only over TLS)
    std::string tls = "may";       // the TLS level towards the smarthost
    bool implicit_tls = false;     // port 465 style
};

// Per destination domain (or "*" for every domain without its own entry).
struct DestinationPolicy {
    std::string tls = "may";                    // none | may | encrypt | verify | dane
    std::size_t max_connections = 20;           // concurrent connections to the destination's site
    std::size_t messages_per_connection = 100;  // then QUIT and reconnect
    std::size_t max_recipients = 100;           // per transaction (then split)
    double max_messages_per_second = 0;         // token bucket; 0: unshaped
    double max_messages_per_minute = 0;         // a second bucket; 0: unshaped
    std::optional<SmarthostRoute> smarthost;    // set: no MX lookup for this domain
};

struct RetrySettings {
    std::chrono::seconds minimal_backoff{300};   // Postfix minimal_backoff_time
    std::chrono::seconds maximal_backoff{4000};  // maximal_backoff_time
    double multiplier = 2.0;                     // backoff grows by this per attempt
    double jitter = 0.2;                         // +-20%: deferred mail does not retry in lockstep
    std::chrono::seconds maximal_queue_lifetime{5 * 24 * 3600};  // then bounce (expired)
    std::chrono::seconds bounce_queue_lifetime{5 * 24 * 3600};   // the same for DSNs we made
};

struct DkimSigning {
    std::string domain;                 // the sender domain this key signs for (From: domain), d=
    std::string selector;               // s=
    std::filesystem::path private_key;  // PEM, RSA or Ed25519: the algorithm follows the key
};

// ESP features (issue 13). One-click unsubscribe (RFC 8058): an HTTPS endpoint whose POSTs add
// the recipient to a durable suppression list that the listeners honour at RCPT.
struct UnsubscribeSettings {
    ListenerSettings listen;  // the HTTPS endpoint (port 0: ephemeral)
    // Add List-Unsubscribe (https + mailto) and List-Unsubscribe-Post to single-recipient
    // messages that carry none, before signing, as ESPs do; a message with several recipients
    // is left alone (the URL names one recipient).
    bool add_headers = true;
    // One address per line, appended and fsynced per unsubscribe; default <spool>/suppressed.
    std::filesystem::path suppression_file;
    // The endpoint's certificate: the relay's `tls` files when set, else one issued for the
    // listen address by the test CA in this folder (created if absent; default
    // <spool>/engagement-ca), so clients can verify it against <ca_dir>/ca.pem.
    std::filesystem::path ca_dir;
};

// Open and click tracking, as ESPs do: a 1x1 pixel added to HTML parts and links rewritten
// to an HTTP endpoint that counts and redirects. Single-recipient messages only (see above).
struct TrackingSettings {
    ListenerSettings listen;  // the HTTP endpoint (port 0: ephemeral)
    bool opens = true;
    bool clicks = true;
};

// A sender's quota: at most `max` accepted messages per `per` (a sliding window); beyond it
// MAIL gets 451 4.7.1 and the submitter retries later.
struct SenderQuota {
    std::string sender;  // an address or a glob ("*@shop.test", "*")
    std::uint64_t max = 0;
    std::chrono::seconds per{24 * 3600};
};

struct RelayConfig {
    std::string hostname = "relay.relaylab.test";  // EHLO name, greeting, DSN Reporting-MTA
    std::optional<ListenerSettings> relay_in;      // accepts from trusted networks
    std::optional<ListenerSettings> submission;    // AUTH required
    std::optional<TlsFiles> tls;                   // server certificate (STARTTLS on listeners)
    std::filesystem::path spool = "relaylab-spool";
    bool spool_fsync = true;
    std::optional<HostPort> dns;  // the resolver; unset: no DNS (smarthost routes only)
    std::uint16_t mx_port = 25;   // Postfix smtp_tcp_port: the port used on MX hosts
    std::vector<std::string> trusted_networks{"127.0.0.0/8", "::1/128"};
    std::vector<std::string> relay_domains;  // accepted from anyone (we are their MX)
    std::vector<AuthUser> users;             // submission accounts
    unsigned auth_failures_per_minute = 5;   // per client IP, then 421 4.7.0 until it cools
    std::uint64_t max_message_size = 50ull << 20;
    std::size_t max_connections = 1000;
    // Postfix smtpd_timeout: a listener's wait for a command or for data (RFC 5321 4.5.3.2
    // asks for 5 minutes); inside DATA a minimum data rate also applies (harness/net).
    std::chrono::seconds smtpd_timeout{300};
    std::optional<HostPort> admin;                   // admin HTTP API (loopback only)
    std::optional<std::filesystem::path> event_log;  // JSON lines; unset: none
    RetrySettings retry;
    std::map<std::string, DestinationPolicy> destinations;  // key: domain, or "*" for default
    std::optional<SmarthostRoute> smarthost;  // all mail, unless a destination says otherwise
    std::vector<DkimSigning> dkim;
    std::optional<UnsubscribeSettings> unsubscribe;
    std::optional<TrackingSettings> tracking;
    std::vector<SenderQuota> quotas;
    unsigned threads = 1;  // io threads of the listeners

    // The policy for `domain`: its own entry, else "*", else the defaults.
    const DestinationPolicy& destination(const std::string& domain) const;
};

}  // namespace relaylab::relay
