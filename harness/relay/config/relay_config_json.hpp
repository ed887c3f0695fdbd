// relay.json: the relay's configuration file, read strictly. Every error names the file, the
// JSON pointer (RFC 6901) of the bad value, the value, and what would be right:
//   relay.json: /destinations/gmail.test/tls: "sometimes" is not a TLS level (none, may,
//   encrypt, verify, dane)
// Unknown keys are errors: a typo ("max_conections") must not silently leave a default in place.
//
// The format, every key shown. All are optional, but at least one of relay_in and submission
// must be given. Numbers, booleans, TLS levels and durations shown are the defaults; addresses,
// names and paths are examples (the default of spool is "relaylab-spool" in the working
// directory; dns, admin, event_log, tls, smarthost: unset).
//
// {
//   "hostname": "relay.relaylab.test",          EHLO name, greeting, DSN Reporting-MTA
//   "relay_in": {"listen": "127.0.0.1:2525",    accepts mail from trusted_networks and mail
//                "implicit_tls": false},        for relay_domains; "127.0.0.1:2525" alone
//                                               is short for {"listen": ...}; port 0: any
//   "submission": {"listen": "127.0.0.1:5870",  AUTH required (users below)
//                  "implicit_tls": false},      true: TLS from the first byte (port 465 style)
//   "tls": {"certificate": "cert.pem",          server certificate chain and key (PEM): STARTTLS
//           "private_key": "key.pem"},          on the listeners; needed by implicit_tls
//   "spool": "relaylab-spool",                  the queue directory
//   "spool_fsync": true,                        false loses acknowledged mail on a crash
//   "dns": "127.0.0.1:5353",                    the resolver (an address: relaylab never reads
//                                               the system's); unset: smarthost routes only
//   "mx_port": 25,                              Postfix smtp_tcp_port: the port on MX hosts
//   "trusted_networks": ["127.0.0.0/8", "::1/128"],   may relay to any domain (CIDR)
//   "relay_domains": ["example.test", ".example.test"],  mail for these is accepted from
//                                               anyone; a leading "." means every subdomain
//   "users": [{"name": "alice", "password": "secret"}],  submission accounts (AUTH)
//   "auth_failures_per_minute": 5,              per client IP (IPv6: per /64), then 421 4.7.0
//                                               until a minute has passed; 0: no limit
//   "max_message_size": 52428800,               octets (advertised in EHLO SIZE)
//   "max_connections": 1000,                    inbound, all listeners together
//   "smtpd_timeout": "300s",                    Postfix smtpd_timeout: command and data waits
//   "admin": "127.0.0.1:8025",                  admin HTTP API; a loopback address only
//   "event_log": "events.jsonl",                JSON lines: accepted, attempt, delivered, ...
//   "threads": 1,                               io threads of the listeners
//   "retry": {
//     "minimal_backoff": "5m",                  Postfix minimal_backoff_time: the first delay
//     "maximal_backoff": "4000s",               maximal_backoff_time: the cap
//     "multiplier": 2,                          each retry waits this much longer (>= 1)
//     "jitter": 0.2,                            +-20% so deferred mail does not retry in lockstep
//     "maximal_queue_lifetime": "5d",           then bounced as expired
//     "bounce_queue_lifetime": "5d"             the same for the DSNs the relay made
//   },
//   "destinations": {                           per recipient domain; "*" for every other one
//     "*": {"tls": "may"},
//     "gmail.test": {
//       "tls": "verify",                        none | may | encrypt | verify | dane
//       "max_connections": 20,                  concurrent connections to the domain
//       "messages_per_connection": 100,         then QUIT and connect again
//       "max_recipients": 100,                  per transaction (more are split)
//       "max_messages_per_second": 0,           rate shaping (token bucket); 0: unshaped
//       "max_messages_per_minute": 0,           a second bucket; 0: unshaped
//       "smarthost": "smtp.gmail-relay.test:25" as the top-level smarthost, for this domain
//     }
//   },
//   "smarthost": {                              all mail goes here instead of MX hosts, unless
//     "server": "smtp.provider.test:587",       a destination names its own; "HOST:PORT"
//     "auth": {"name": "bob", "password": "x"}, alone is short for {"server": ...}
//     "tls": "encrypt",                         AUTH needs a tls level other than "none"
//     "implicit_tls": false
//   },
//   "dkim": [{"domain": "example.test",         sign mail whose From: is in this domain,
//             "selector": "s2026",              with this selector (s=)
//             "private_key": "keys/s2026.pem"}] and key (PEM, RSA or Ed25519); the file must
// }                                             exist
//
// Durations are seconds (a number) or a string with a unit: "300s", "5m", "2h", "5d".
// Addresses are "127.0.0.1:2525" or "[::1]:2525"; listener ports may be 0 (an ephemeral port).
// Relative paths in a file loaded by load_relay_config are relative to the file's directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/relay/config/relay_config.hpp"

namespace relaylab::relay {

namespace limits {
inline constexpr std::uintmax_t max_config_file_bytes = 16u << 20;
}  // namespace limits

// A configuration that cannot be used; what() is the whole message for the user (the CLI exits 2).
class RelayConfigError : public std::runtime_error {
  public:
    RelayConfigError(const std::string& message, std::string pointer)
        : std::runtime_error(message), pointer_(std::move(pointer)) {}
    // The JSON pointer of the bad value ("" for the whole document or the file itself).
    const std::string& pointer() const { return pointer_; }

  private:
    std::string pointer_;
};

// `source_name` starts every message ("relay.json"). Relative paths (tls files, spool, dkim keys,
// event_log) are taken relative to `base_directory` when it is not empty. Throws
// RelayConfigError.
RelayConfig parse_relay_config(const nlohmann::json& document, const std::string& source_name,
                               const std::filesystem::path& base_directory = {});

// Reads and parses `path` (at most limits::max_config_file_bytes); relative paths in it are
// relative to its directory. Throws RelayConfigError, also when the file cannot be read or is
// not JSON.
RelayConfig load_relay_config(const std::filesystem::path& path);

// The effective configuration, every key present in the format above (optional ones only when
// set), passwords replaced by "<redacted>": `relaylab relay --print-config` and the start-up log.
// parse_relay_config(to_json(c)) gives c back, but for the passwords.
nlohmann::json to_json(const RelayConfig& config);

inline constexpr std::string_view redacted_password = "<redacted>";

// Validates a configuration built in code (the runner from a scenario's relay section, the CLI
// from flags over a file) by exactly the rules of a file: it parses to_json(config), so an error
// names the key as a JSON pointer of the format above ("flags: /relay_in: ..."). Passwords are
// only checked for being present (to_json redacts them). Throws RelayConfigError.
void check_relay_config(const RelayConfig& config, const std::string& source_name);

}  // namespace relaylab::relay
