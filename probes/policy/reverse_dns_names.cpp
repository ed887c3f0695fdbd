#include "probes/policy/reverse_dns_names.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "harness/dns/core/message.hpp"

namespace relaylab::probe {

namespace {

// RFC 4291 2.5.5.2: ::ffff:a.b.c.d carries an IPv4 address.
constexpr std::array<unsigned char, 12> v4_mapped_prefix = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::string canonical_address(std::string_view ip) {
    // inet_pton needs a terminated string; an address is never longer than this.
    if (ip.empty() || ip.size() > INET6_ADDRSTRLEN) return {};
    const std::string text(ip);
    std::array<unsigned char, 16> bytes{};
    char out[INET6_ADDRSTRLEN] = {};
    if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
        return inet_ntop(AF_INET, bytes.data(), out, sizeof out) ? out : "";
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return {};
    if (std::memcmp(bytes.data(), v4_mapped_prefix.data(), v4_mapped_prefix.size()) == 0) {
        return inet_ntop(AF_INET, bytes.data() + v4_mapped_prefix.size(), out, sizeof out) ? out
                                                                                           : "";
    }
    return inet_ntop(AF_INET6, bytes.data(), out, sizeof out) ? out : "";
}

bool same_address(std::string_view a, std::string_view b) {
    const std::string left = canonical_address(a);
    return !left.empty() && left == canonical_address(b);
}

bool is_ipv6(std::string_view ip) {
    return canonical_address(ip).find(':') != std::string::npos;
}

std::string reversed_address_labels(std::string_view ip) {
    const std::string canonical = canonical_address(ip);
    if (canonical.empty()) return {};
    std::string name = dns::reverse_name(canonical);
    for (std::string_view suffix :
         {std::string_view(".in-addr.arpa"), std::string_view(".ip6.arpa")}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            name.resize(name.size() - suffix.size());
            return name;
        }
    }
    return {};
}

}  // namespace relaylab::probe
