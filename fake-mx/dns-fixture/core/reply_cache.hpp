// Encoded replies of the fixture, keyed by the query's octets after the ID. The zones never
// change while the server runs, so the same question with the same flags and EDNS options
// always gets the same answer: building it again with ldns (parse, clone records, encode) is
// most of the cost of a query. A hit copies the stored reply and patches in the query's ID.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "fake-mx/dns-fixture/core/query_log.hpp"

namespace relaylab::dns::fixture {

struct CachedReply {
    std::vector<std::uint8_t> wire;  // ID octets to be overwritten
    // What the query log needs, so that a hit does not parse the query.
    std::string name;
    std::uint16_t type_code = 0;
    std::string type;
    std::string rcode;
    std::size_t answers = 0;
    bool truncated = false;
};

class ReplyCache {
  public:
    // Bounded by entries and octets; when either is exceeded the cache starts over, which is
    // cheap and fine for a fixture whose query mix is small.
    explicit ReplyCache(std::size_t max_entries = 20'000, std::size_t max_octets = 32u << 20)
        : max_entries_(max_entries), max_octets_(max_octets) {}

    // `transport_tag` separates UDP from TCP answers (truncation differs).
    const CachedReply* find(char transport_tag, std::span<const std::uint8_t> query);
    void insert(char transport_tag, std::span<const std::uint8_t> query, CachedReply reply);

  private:
    std::string key(char transport_tag, std::span<const std::uint8_t> query);

    std::unordered_map<std::string, CachedReply> entries_;
    std::string scratch_;
    std::size_t octets_ = 0;
    std::size_t max_entries_;
    std::size_t max_octets_;
};

}  // namespace relaylab::dns::fixture
