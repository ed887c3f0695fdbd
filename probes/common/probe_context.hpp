// What every probe check gets: the target, the options of `relaylab probe` and a resolver.
// Checks run one after another on one io_context (a probe is polite to its target), each
// bounded by the dialogue's deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "probes/common/dialogue.hpp"

namespace relaylab::dns {
class Resolver;
}

namespace relaylab::probe {

struct ProbeTarget {
    std::string host;     // as given: a name ("mx.example.test") or an IP address
    std::string address;  // the IP address connected to (host resolved with the resolver)
    std::uint16_t port = 25;
    bool host_is_name = false;  // DANE and the certificate name check need a name
    boost::asio::ip::tcp::endpoint endpoint() const;
    std::string display() const;  // "mx.example.test:25 (127.0.0.1)"
};

// Defaults are what a probe of a public MX would use; tests override them for loopback.
struct ProbeOptions {
    // The domain the target receives mail for (--domain): MTA-STS and TLS-RPT look it up, the
    // open-relay tricks use it as the local domain, and its MX set is matched against the
    // MTA-STS policy. Empty: checks that need it are skipped.
    std::string domain;
    std::string helo = "probe.relaylab.test";       // EHLO name the probe announces (--helo)
    std::string mail_from = "probe@relaylab.test";  // envelope sender (--from)
    // A recipient the target accepts (--rcpt): smuggling and limits checks send to it. Empty:
    // postmaster@domain (RFC 5321 4.5.1), or those checks are skipped without --domain.
    std::string rcpt;
    // A domain the target must not relay to (--foreign-domain); RFC 2606 reserves .example.
    std::string foreign_domain = "relay-test.example";
    DialogueTimeouts timeouts;
    // Trust anchors for certificate checks (--ca FILE); empty: the system's (OpenSSL defaults).
    std::string ca_file;
    // DNS blocklist zones (--dnsbl ZONE, repeatable).
    std::vector<std::string> dnsbl_zones;
    // Port of the MTA-STS policy host (RFC 8461 3.3 says 443; tests use another).
    std::uint16_t mta_sts_port = 443;
    // Outbound smuggling: the probe listens here as the receiving MX the relay delivers to
    // (--sink ADDR:PORT); the relay under test must route `sink_rcpt`'s domain to it.
    std::optional<boost::asio::ip::tcp::endpoint> sink;
    std::string sink_rcpt;  // --sink-rcpt, default probe@sink.relaylab.test
    std::chrono::milliseconds sink_wait{std::chrono::seconds(30)};  // --sink-wait
    // How long a check waits for a reply that a correct server never sends (the smuggling
    // end-of-data look-alikes, STARTTLS injection): --quiet-wait.
    std::chrono::milliseconds quiet_wait{std::chrono::milliseconds(1500)};
    // AUTH credentials for relays that need them (--auth USER:PASS); submission-side probes.
    std::string auth_user;
    std::string auth_password;

    // rcpt, or postmaster@domain, or empty.
    std::string recipient() const;
};

struct ProbeContext {
    boost::asio::any_io_executor executor;
    ProbeTarget target;
    ProbeOptions options;
    dns::Resolver* resolver = nullptr;  // never null while checks run
};

}  // namespace relaylab::probe
