// IP addresses and CIDR ranges, IPv4 or IPv6, without sockets: the fake MX behaviour rules
// (client_ip conditions, greylisting) and the relay (trusted_networks) match clients with them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::net {

// An address in a form that compares by bits. IPv4 is kept as an IPv4-mapped IPv6 address
// (::ffff:a.b.c.d), so "::ffff:127.0.0.1" from a dual-stack socket matches "127.0.0.0/8".
struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};
    bool v4 = false;
};

// Parses "192.0.2.1" or "2001:db8::1" (no brackets, no zone index).
std::optional<IpAddress> parse_ip(std::string_view text);

struct IpRange {
    IpAddress base;
    unsigned prefix = 128;  // in bits of the 16-byte form: an IPv4 /24 is stored as /120

    bool contains(const IpAddress& address) const;
};

// "192.0.2.1", "192.0.2.0/24", "2001:db8::/32". Host bits set below the prefix are refused, as
// a typo like 10.1.2.3/8 usually means the writer expected something else.
std::optional<IpRange> parse_ip_range(std::string_view text, std::string* error = nullptr);

}  // namespace relaylab::net
