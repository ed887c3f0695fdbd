// A fake MX host's behaviour as data: what it advertises, which TLS it offers, and the rules and
// built-in mechanisms (greylisting, rate limits) that choose its replies. Parsed from JSON (the
// `--behaviour` of `relaylab fake-mx`, a file or a shipped preset); docs/fake-mx-behaviours.md is
// the user-facing reference of the format. Sans-I/O: the Asio shell maps all this to
// smtp::ServerConfig, TLS contexts and smtp::Decision.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fake-mx/behaviour/conditions.hpp"
#include "fake-mx/behaviour/facts.hpp"
#include "fake-mx/placement/model/provider_policy.hpp"
#include "harness/smtp/reply.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::fakemx {

// Hostile or mistaken files must not exhaust memory or stall a session forever.
inline constexpr std::size_t max_behaviour_file_bytes = 1u << 20;
inline constexpr std::size_t max_rules = 1000;
inline constexpr std::chrono::milliseconds max_action_delay{std::chrono::minutes(10)};
// Greylist, attempt and per-client tables: entries beyond this evict the least recently used.
inline constexpr std::size_t default_max_tracked_entries = 100'000;

// A behaviour file or value that cannot be used. what() names the source, the JSON pointer,
// the value and what would be right: "hosts.json: /rules/2/phase: unknown phase 'foo' (want ...)".
class BehaviourError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class CertificateKind {
    valid,        // signed by the run's test CA for the host name
    self_signed,  // a certificate nobody vouches for
    expired,      // notAfter in the past
    wrong_host,   // valid chain, but for another name
    none,         // no certificate: STARTTLS is not offered
};
std::string_view to_string(CertificateKind kind);

enum class TlsVersions {
    any,     // whatever OpenSSL negotiates
    tls1_2,  // "1.2": only TLS 1.2
    tls1_3,  // "1.3": only TLS 1.3
    legacy,  // "legacy": TLS 1.0 to 1.3, an outdated MX that probes warn about (RFC 8996)
};
std::string_view to_string(TlsVersions versions);

struct TlsBehaviour {
    CertificateKind certificate = CertificateKind::valid;
    TlsVersions versions = TlsVersions::any;
    // Advertise STARTTLS, answer 220, then fail the handshake (a middlebox stripping TLS).
    bool broken_starttls = false;
};

// A postgrey-like greylist at RCPT by (client IP, sender, recipient). Defaults are postgrey's:
// --delay 300, --retry-window 2 days, --max-age 35 days.
struct Greylist {
    std::chrono::seconds min_retry{300};                 // retrying sooner is greylisted again
    std::chrono::seconds max_retry{2 * 24 * 3600};       // retrying later starts over
    std::chrono::seconds whitelist_for{35 * 24 * 3600};  // a passed triplet stays allowed
    // postgrey's --lookup-by-subnet: the client is its /24 (IPv4) or /64 (IPv6), so a sender
    // that retries from another address of its pool is recognised.
    bool lookup_by_subnet = false;
    smtp::Reply reply;  // may hold placeholders such as {recipient}; see reply_template.hpp
};

struct Limit {
    std::uint64_t max = 0;
    smtp::Reply reply;
    bool disconnect = false;  // close after the reply (421 style)
};

// Limits per client IP, checked after the rules (a rule with "accept" bypasses them).
struct RateLimits {
    std::optional<Limit> concurrent_connections;   // at connect: 421 4.7.0
    std::optional<Limit> messages_per_connection;  // at MAIL: 451 4.7.1, or 421 and close
    // At MAIL: a token bucket of `max` messages refilled at `max` per minute, so a burst of
    // `max` passes and then the client is held to the rate. Fed by message_accepted().
    std::optional<Limit> messages_per_minute;
};

struct Rule {
    std::string name;     // for transcripts; default "rules/<index>"
    unsigned phases = 0;  // mask of smtp::Phase
    Conditions when;
    std::optional<std::uint64_t> seed;  // the probability draw's generator; default from Behaviour
    // Actions.
    std::optional<smtp::Reply> reply;  // may hold placeholders; nullopt: the session's default
    std::chrono::milliseconds delay{0};
    std::chrono::milliseconds jitter{0};  // a uniform extra delay from 0 to this
    std::chrono::milliseconds tarpit_interval{0};
    Disconnect disconnect = Disconnect::none;
    std::uint64_t disconnect_after_bytes = 0;  // mid_data: message bytes read before dropping
    bool accept = false;                       // stop here: default reply, no built-ins

    // A final rule ends evaluation; one that only delays or tarpits lets later rules add more.
    bool final() const { return accept || reply || disconnect != Disconnect::none; }
};

struct Behaviour {
    std::string name;
    std::string description;
    std::optional<std::string> hostname;
    std::optional<std::string> banner;
    smtp::ServerExtensions extensions;
    std::optional<std::uint64_t> max_message_size;  // 0: no limit
    std::optional<std::size_t> max_recipients;
    bool require_tls = false;
    // Bare LF / CR in DATA: unset follows `relaylab fake-mx --bare-newline` (default reject).
    // normalize or accept lets smuggling look-alikes through to the capture's findings.
    std::optional<smtp::BareNewlinePolicy> bare_newline;
    // "end_of_data": look-alikes that end DATA too, a receiver vulnerable to SMTP smuggling
    // (for probing the probes); empty: only <CRLF>.<CRLF>, as RFC 5321 4.1.1.4 says.
    smtp::EodLookalikeSet vulnerable_end_of_data;
    TlsBehaviour tls;
    std::optional<Greylist> greylist;
    RateLimits rate_limits;
    std::vector<Rule> rules;
    // A mailbox provider's sender requirements, judged at end of data after the rules (a rule
    // that replies or accepts there wins; see docs/fake-mx-behaviours.md "provider").
    std::optional<placement::ProviderPolicy> provider;
    std::uint64_t seed = 0;  // probability and jitter draws; rules may set their own
    std::size_t max_tracked_entries = default_max_tracked_entries;
};

// Throws BehaviourError; source_name prefixes every message (a file name or "preset greylist").
Behaviour parse_behaviour(const nlohmann::json& value, std::string_view source_name);

// A path to an existing file is read from it; otherwise the name of a shipped preset (embedded
// at build time, so any working directory works). Throws BehaviourError.
Behaviour load_behaviour(const std::string& file_or_preset);

std::vector<std::string> preset_names();

// Copies what the session itself enforces (hostname, banner, extensions, SIZE, recipients per
// message, require_tls, the bare-newline policy when set) into the session config; leaves the rest
// of `config` as it was.
void apply_server_settings(const Behaviour& behaviour, smtp::ServerConfig& config);

}  // namespace relaylab::fakemx
