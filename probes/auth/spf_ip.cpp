#include "probes/auth/spf_ip.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace relaylab::auth {
namespace {

// inet_pton wants a NUL-terminated string; anything longer than this is no address.
constexpr std::size_t kMaxAddressText = 64;

constexpr char kUpperHex[] = "0123456789ABCDEF";

}  // namespace

std::optional<IpAddress> IpAddress::parse_v4(std::string_view text) {
    if (text.empty() || text.size() >= kMaxAddressText) return std::nullopt;
    char buffer[kMaxAddressText] = {};
    std::memcpy(buffer, text.data(), text.size());
    IpAddress ip;
    // glibc's inet_pton accepts exactly four decimal parts and rejects leading zeros, which
    // is RFC 7208's ip4-network grammar.
    if (inet_pton(AF_INET, buffer, ip.bytes_.data()) != 1) return std::nullopt;
    ip.v4_ = true;
    return ip;
}

std::optional<IpAddress> IpAddress::parse_v6(std::string_view text) {
    if (text.empty() || text.size() >= kMaxAddressText) return std::nullopt;
    char buffer[kMaxAddressText] = {};
    std::memcpy(buffer, text.data(), text.size());
    IpAddress ip;
    if (inet_pton(AF_INET6, buffer, ip.bytes_.data()) != 1) return std::nullopt;
    ip.v4_ = false;
    return ip;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (auto v4 = parse_v4(text)) return v4;
    auto v6 = parse_v6(text);
    if (!v6) return std::nullopt;
    static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(v6->bytes_.data(), kMappedPrefix, sizeof kMappedPrefix) == 0) {
        IpAddress v4;
        std::memcpy(v4.bytes_.data(), v6->bytes_.data() + 12, 4);
        v4.v4_ = true;
        return v4;
    }
    return v6;
}

bool IpAddress::in_network(const IpAddress& network, unsigned prefix) const {
    if (v4_ != network.v4_) return false;
    const unsigned max_bits = v4_ ? 32 : 128;
    if (prefix > max_bits) prefix = max_bits;
    const unsigned full = prefix / 8;
    if (std::memcmp(bytes_.data(), network.bytes_.data(), full) != 0) return false;
    const unsigned rest = prefix % 8;
    if (rest == 0) return true;
    const std::uint8_t mask = static_cast<std::uint8_t>(0xff00u >> rest);
    return (bytes_[full] & mask) == (network.bytes_[full] & mask);
}

std::string IpAddress::to_string() const {
    char buffer[INET6_ADDRSTRLEN] = {};
    inet_ntop(v4_ ? AF_INET : AF_INET6, bytes_.data(), buffer, sizeof buffer);
    return buffer;
}

std::string IpAddress::to_dotted() const {
    if (v4_) return to_string();
    // The RFC 7208 suite expects upper-case nibbles here (DNS names are case-insensitive, so
    // only explanation text can tell); RFC 7208 7.3 leaves the case open.
    std::string out;
    out.reserve(63);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i) out += '.';
        out += kUpperHex[bytes_[i] >> 4];
        out += '.';
        out += kUpperHex[bytes_[i] & 0x0f];
    }
    return out;
}

std::string IpAddress::reverse_name() const {
    std::string out;
    if (v4_) {
        for (int i = 3; i >= 0; --i) {
            out += std::to_string(bytes_[static_cast<std::size_t>(i)]);
            out += '.';
        }
        return out + "in-addr.arpa";
    }
    for (int i = 15; i >= 0; --i) {
        const auto byte = bytes_[static_cast<std::size_t>(i)];
        out += kUpperHex[byte & 0x0f];
        out += '.';
        out += kUpperHex[byte >> 4];
        out += '.';
    }
    return out + "ip6.arpa";
}

}  // namespace relaylab::auth
