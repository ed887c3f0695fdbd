// Result types of the resolver's helpers, apart from the Asio-facing header so that blocking
// callers (SyncResolver users) need no Asio.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/dns/core/types.hpp"

namespace relaylab::dns {

// A lookup's outcome with the values a helper extracted.
template <class T>
struct LookupResult {
    Status status = Status::servfail;
    std::vector<T> values;
    std::uint32_t ttl = 0;
    std::string detail;
    bool authenticated_data = false;  // the answer's AD bit (see Answer::authenticated_data)
};

struct ResolverStats {
    std::uint64_t lookups = 0;  // calls to lookup(), cached or not
    std::uint64_t cache_hits = 0;
    std::uint64_t udp_queries = 0;  // datagrams sent
    std::uint64_t tcp_queries = 0;  // TCP exchanges (after TC)
    std::uint64_t timeouts = 0;     // exchanges that hit the deadline
};

}  // namespace relaylab::dns
