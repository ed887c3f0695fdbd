// An IP address as SPF sees it (RFC 7208 5.6): IPv4, or IPv6 where an IPv4-mapped IPv6 address
// is treated as IPv4 (RFC 7208 5: "an IPv4-mapped IPv6 address ... MUST still be considered an
// IPv4 address"). Parsing and formatting only; no sockets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::auth {

class IpAddress {
  public:
    // Strict text forms: dotted quad without leading zeros, or RFC 4291 2.2 colon form.
    static std::optional<IpAddress> parse(std::string_view text);
    static std::optional<IpAddress> parse_v4(std::string_view text);
    static std::optional<IpAddress> parse_v6(std::string_view text);  // keeps mapped as IPv6

    bool is_v4() const { return v4_; }
    // True when the first `prefix` bits of both addresses are equal and the families match.
    bool in_network(const IpAddress& network, unsigned prefix) const;
    bool operator==(const IpAddress&) const = default;

    // %{c}: dotted quad, or RFC 5952 compressed lowercase colon form.
    std::string to_string() const;
    // %{i}: dotted quad, or 32 dot-separated nibbles (RFC 7208 7.3).
    std::string to_dotted() const;
    // The name whose PTR records are the reverse mapping (without the trailing dot).
    std::string reverse_name() const;

  private:
    bool v4_ = true;
    std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first 4 bytes
};

}  // namespace relaylab::auth
