// The small value syntaxes of relay.json and of `relaylab relay` flags: durations ("300s", "5m",
// "2h", "5d"), host:port ("127.0.0.1:2525", "[::1]:25", "smtp.provider.test:587") and TLS levels.
// One parser each, so a flag and the file accept exactly the same text.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/relay/config/relay_config.hpp"

namespace relaylab::relay {

namespace limits {
// Durations beyond a year are typos ("5000d"); the cap also keeps every sum of a time point
// and a duration far from overflowing.
inline constexpr std::chrono::seconds max_duration{366LL * 24 * 3600};
inline constexpr std::size_t max_host_length = 255;  // RFC 1035 2.3.4 (name), plus brackets
}  // namespace limits

// A number of seconds, or digits followed by one unit: s, m, h or d. On failure `error` says
// what was wrong and what would be right.
std::optional<std::chrono::seconds> parse_duration(std::string_view text,
                                                   std::string* error = nullptr);
// The shortest exact form: 300s -> "5m", 4000s -> "4000s", 432000s -> "5d".
std::string format_duration(std::chrono::seconds duration);

enum class PortRule {
    listener,  // 0 allowed: an ephemeral port, the relay prints what it got
    remote,    // 1..65535: a port to connect to
};

enum class HostRule {
    address_literal,  // an IPv4 address or a bracketed IPv6 address (sockets to bind, the resolver)
    name_or_address,  // also a host name (smarthosts: resolved through the configured resolver)
};

// "192.0.2.1:25", "[2001:db8::1]:25", "smtp.example.test:587". The host is returned without
// brackets (what socket APIs want).
std::optional<HostPort> parse_host_port(std::string_view text, HostRule host_rule,
                                        PortRule port_rule, std::string* error = nullptr);
// The inverse: brackets around an IPv6 host.
std::string format_host_port(const HostPort& host_port);
std::string format_host_port(const std::string& host, std::uint16_t port);

// The TLS levels of relay_config.hpp (Postfix smtp_tls_security_level's words, the same as
// net::TlsSecurityLevel): "none", "may", "encrypt", "verify", "dane".
bool is_tls_level(std::string_view text);
inline constexpr std::string_view tls_levels_text = "none, may, encrypt, verify, dane";

// A domain as compared (RFC 5321 2.4: case-insensitive; a trailing root dot names the same
// domain): ASCII lower case, without the trailing dot. "Gmail.TEST." -> "gmail.test".
std::string fold_domain(std::string_view domain);

// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback, and the name "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace relaylab::relay
