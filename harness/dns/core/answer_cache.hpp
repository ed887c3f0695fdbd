// A TTL cache of lookup outcomes, positive and negative (RFC 2308 5). Sans-I/O: the caller
// passes the current time, so tests can move the clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "harness/dns/core/types.hpp"

namespace relaylab::dns {

// Upper bound on how long anything stays, whatever TTL a zone claims (RFC 2308 5 suggests
// capping negative answers; a day bounds a broken fixture's effect on a long run).
inline constexpr std::uint32_t max_cache_ttl_s = 86400;

class AnswerCache {
  public:
    using Clock = std::chrono::steady_clock;

    explicit AnswerCache(std::size_t max_entries) : max_entries_(max_entries) {}

    // The cached answer if present and not expired; its records' TTLs count down.
    std::optional<Answer> get(const std::string& name, RrType type, Clock::time_point now);
    // Stores ok, nxdomain and nodata outcomes with a TTL above zero; ignores the others
    // (SERVFAIL and timeouts are not cached: the next try may go better).
    void put(const std::string& name, RrType type, const Answer& answer, Clock::time_point now);
    void clear() { entries_.clear(); }
    std::size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        Answer answer;
        Clock::time_point stored;
        Clock::time_point expires;
    };
    using Key = std::pair<std::string, std::uint16_t>;
    void make_room(Clock::time_point now);

    std::size_t max_entries_;
    std::map<Key, Entry> entries_;
};

}  // namespace relaylab::dns
