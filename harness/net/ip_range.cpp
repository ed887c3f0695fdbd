#include "harness/net/ip_range.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace relaylab::net {

namespace {

constexpr std::size_t max_address_text = 64;  // INET6_ADDRSTRLEN is 46
constexpr unsigned mapped_v4_prefix = 96;     // ::ffff:0:0/96

bool is_v4_mapped(const std::array<std::uint8_t, 16>& b) {
    for (std::size_t i = 0; i < 10; ++i) {
        if (b[i] != 0) return false;
    }
    return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
    if (text.empty() || text.size() >= max_address_text) return std::nullopt;
    // inet_pton needs a terminated string; the copy also keeps a view's neighbours out of it.
    char buffer[max_address_text] = {};
    text.copy(buffer, text.size());
    IpAddress address;
    in_addr v4{};
    if (inet_pton(AF_INET, buffer, &v4) == 1) {
        address.bytes[10] = 0xff;
        address.bytes[11] = 0xff;
        const auto* octets = reinterpret_cast<const std::uint8_t*>(&v4.s_addr);
        for (std::size_t i = 0; i < 4; ++i)
            address.bytes[12 + i] = octets[i];
        address.v4 = true;
        return address;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, buffer, &v6) == 1) {
        for (std::size_t i = 0; i < 16; ++i)
            address.bytes[i] = v6.s6_addr[i];
        address.v4 = is_v4_mapped(address.bytes);
        return address;
    }
    return std::nullopt;
}

bool IpRange::contains(const IpAddress& address) const {
    unsigned bits = prefix;
    for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
        unsigned take = bits >= 8 ? 8 : bits;
        auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
        if ((address.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
        bits -= take;
    }
    return true;
}

std::optional<IpRange> parse_ip_range(std::string_view text, std::string* error) {
    auto fail = [&](std::string message) -> std::optional<IpRange> {
        if (error) *error = std::move(message);
        return std::nullopt;
    };
    auto slash = text.find('/');
    auto address = parse_ip(text.substr(0, slash));
    if (!address) return fail("not an IPv4 or IPv6 address");
    IpRange range{*address, 128};
    if (slash == std::string_view::npos) return range;
    auto digits = text.substr(slash + 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    unsigned limit = address->v4 ? 32 : 128;
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        prefix > limit) {
        return fail("the prefix length after '/' must be 0 to " + std::to_string(limit));
    }
    range.prefix = address->v4 ? prefix + mapped_v4_prefix : prefix;
    // Host bits below the prefix must be zero.
    IpRange masked = range;
    for (unsigned bit = range.prefix; bit < 128; ++bit) {
        masked.base.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
    if (masked.base.bytes != range.base.bytes) {
        return fail(
            "host bits are set below the prefix length (did you mean the network "
            "address?)");
    }
    return range;
}

}  // namespace relaylab::net
