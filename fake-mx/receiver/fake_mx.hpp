// A set of simulated receiving MTAs in one process: each host is a net::SmtpServer whose
// decisions come from its BehaviourEngine, and whose accepted mail (with authentication
// verdicts when DNS for them is configured) lands in one shared CaptureStore, served by the
// HTTP API. `relaylab fake-mx` is a thin CLI over this; the embedded world uses it directly.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/capture/capture_store.hpp"
#include "fake-mx/placement/net/spamd_client.hpp"
#include "fake-mx/receiver/receiver_event.hpp"
#include "harness/dns/resolver_config.hpp"
#include "harness/net/smtp_server.hpp"

namespace relaylab::fakemx {

struct HostConfig {
    std::string name;  // the MX host name: greeting, EHLO, certificate, "host" of each capture
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: ephemeral, see FakeMx::port()
    Behaviour behaviour;     // the behaviour's hostname, when set, wins over `name` on the wire
};

struct ApiListen {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;
};

struct FakeMxConfig {
    std::vector<HostConfig> hosts;
    capture::CaptureConfig capture;
    bool transcripts = true;  // keep every session's commands and replies
    // DNS for SPF/DKIM/DMARC/ARC verdicts of every accepted message (the fixture, usually);
    // unset: no verdicts, "auth": null in the API.
    std::optional<dns::ResolverConfig> auth_dns;
    std::string authserv_id = "fake-mx.relaylab.test";
    // Where the test CA lives (ca.pem, ca.key; created if absent) for "valid" certificates;
    // empty: a CA made in memory for this run (clients then cannot verify it).
    std::string tls_ca_dir;
    std::optional<ApiListen> api;
    unsigned threads = 1;  // io threads per host
    net::ServerTimeouts timeouts;
    std::size_t max_connections = 1000;  // per host
    // Every host's bare LF/CR policy in DATA unless its behaviour sets bare_newline.
    smtp::BareNewlinePolicy bare_newline = smtp::BareNewlinePolicy::reject;
    net::ClientLimits client_limits;  // per host
    // NOOP/RSET/VRFY/HELP before 421 (--junk-command-limit); 0: none.
    std::size_t max_junk_commands = smtp::limits::default_junk_command_limit;
    // Accept at most this many messages over all hosts (0: no limit); a message beyond it gets
    // 421 4.3.2 and its connection is closed. Counted at the decision, so exactly this many
    // are accepted however many sessions race for the last one (`fake-mx --count`).
    std::uint64_t accept_limit = 0;
    // Score every message with spamd before the end-of-data decision (issue 13); the score,
    // the rules hit and the placement are in the capture and the observer's events. Unset:
    // no scoring.
    std::optional<placement::SpamdConfig> spamd;
    // Threads that write and fsync Maildir files (--store) so no io thread waits for the disk.
    unsigned disk_threads = 2;
    // Told of every acceptance, refusal and drop as it happens (the scenario runner's
    // recorder); empty: nobody.
    ReceiverObserver observer;
};

// A configuration FakeMx cannot run with (a CA directory it cannot use, ...).
class FakeMxError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class FakeMx {
  public:
    explicit FakeMx(FakeMxConfig config);  // throws FakeMxError
    ~FakeMx();
    FakeMx(const FakeMx&) = delete;
    FakeMx& operator=(const FakeMx&) = delete;

    // Binds every host and the API (throws std::system_error naming the address).
    void start();
    void stop();  // graceful: 421 to live sessions, then the API

    std::size_t host_count() const;
    const std::string& host_name(std::size_t host) const;
    std::uint16_t port(std::size_t host) const;
    std::uint16_t api_port() const;  // 0 without an API

    capture::CaptureStore& store();
    // Per-host counters (connections, messages, replies by class, TLS failures) and the store's.
    nlohmann::json stats() const;
    std::uint64_t messages_accepted() const;
    // A recipient of `host_name` reported a message from `from_domain` as spam (the simulated
    // recipients): counted in stats() ("complaints") and told to the host's provider policy,
    // whose complaint rule may then defer the domain. Thread-safe; unknown hosts and hosts
    // without a policy only count (or ignore) it.
    void report_complaint(std::string_view host_name, std::string_view from_domain);
    // Whether accept_limit messages were accepted (their capture may still be finishing).
    bool accept_limit_reached() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::fakemx
