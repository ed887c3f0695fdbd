// How a Resolver finds and treats its servers. Plain values, no Asio, so tools and scenario
// code can build one without the network headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/dns/core/limits.hpp"

namespace relaylab::dns {

inline constexpr std::chrono::milliseconds default_try_timeout{2000};  // per exchange
inline constexpr int default_tries = 2;  // rounds over the server list (glibc: attempts)
inline constexpr std::size_t default_max_cache_entries = 10'000;
inline constexpr std::size_t max_servers = 8;  // more is a configuration mistake
inline constexpr int max_tries = 10;
inline constexpr std::chrono::milliseconds max_try_timeout{60'000};

struct NameServer {
    std::string address;  // numeric IPv4 or IPv6 address
    std::uint16_t port = 53;
    std::string to_string() const;  // "127.0.0.1:53", "[::1]:53"
};

struct ResolverConfig {
    std::vector<NameServer> servers;
    std::chrono::milliseconds timeout = default_try_timeout;  // one UDP or TCP exchange
    int tries = default_tries;  // each round asks every server in order
    bool cache = true;          // positive and negative answers, by TTL (RFC 2308)
    std::size_t max_cache_entries = default_max_cache_entries;
    std::uint16_t edns_udp_size = default_edns_udp;  // 0: no EDNS, 512-octet answers
    std::uint64_t seed = 0;  // shuffles MX hosts of equal preference (RFC 5321 5.1)

    // The embedded world: one fixture server, short timeouts because it is on loopback.
    static ResolverConfig fixture(std::string address, std::uint16_t port);
};

// Checks the values; throws std::invalid_argument naming the field and the allowed range.
void validate(const ResolverConfig& config);

// "ADDR:PORT", "[v6]:PORT" or "ADDR" (port 53); throws std::invalid_argument.
NameServer parse_name_server(std::string_view text);

// The real world: "nameserver" lines and "options timeout:N attempts:N" of resolv.conf(5).
// Throws std::runtime_error when the file is unreadable or names no server.
ResolverConfig config_from_resolv_conf(const std::string& path = "/etc/resolv.conf");
ResolverConfig config_from_resolv_conf_text(std::string_view text);

}  // namespace relaylab::dns
