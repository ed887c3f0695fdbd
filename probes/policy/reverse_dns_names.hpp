// Address forms the reverse-DNS checks (ptr, dnsbl) compare and query, sans-I/O: one canonical
// text per address (IPv4-mapped IPv6 taken as the IPv4 address it carries, so "::ffff:192.0.2.1"
// and "192.0.2.1" are one host), and the reversed labels DNSBL zones are queried under.
#pragma once

#include <string>
#include <string_view>

namespace relaylab::probe {

// "192.0.2.1" / "2001:db8::1" (inet_ntop's form); IPv4-mapped IPv6 as IPv4. "" when `ip` is not
// an address.
std::string canonical_address(std::string_view ip);

// Whether two address texts name the same address ("2001:DB8::1" and "2001:db8:0::1" do).
bool same_address(std::string_view a, std::string_view b);

bool is_ipv6(std::string_view ip);  // after canonical_address (mapped IPv4 is not IPv6)

// The address's reversed labels without the in-addr.arpa / ip6.arpa suffix: "1.2.0.192" for
// 192.0.2.1, 32 nibbles for IPv6 (RFC 5782 2.1 and 2.4). "" when `ip` is not an address.
std::string reversed_address_labels(std::string_view ip);

}  // namespace relaylab::probe
