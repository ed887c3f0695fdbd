// The fixture DNS server's whole behaviour, sans-I/O: handle_query(bytes) -> bytes, after the
// fault rules had their say. The Asio shell (fake-mx/dns-fixture/server.hpp) only moves bytes
// and honours the delay. Not thread-safe: the fault counters are shared state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fake-mx/dns-fixture/core/fault_rules.hpp"
#include "fake-mx/dns-fixture/core/query_log.hpp"
#include "fake-mx/dns-fixture/core/reply_cache.hpp"
#include "fake-mx/dns-fixture/core/zone.hpp"

namespace relaylab::dns::fixture {

enum class Transport { udp, tcp };

// Our EDNS0 buffer: the DNS flag day 2020 value, safe from IP fragmentation (RFC 6891 6.2.5).
inline constexpr std::uint16_t default_max_udp_payload = 1232;

struct FixtureOptions {
    std::uint16_t max_udp_payload = default_max_udp_payload;
};

struct Decision {
    std::optional<std::vector<std::uint8_t>> reply;  // nullopt: send nothing
    std::chrono::milliseconds delay{0};              // send after this long
    QueryLogEntry log;                               // time and client filled by the caller
};

class Fixture {
  public:
    Fixture(ZoneSet zones, std::vector<FaultRule> faults, FixtureOptions options = {});

    Decision handle_query(std::span<const std::uint8_t> query, Transport transport);
    const ZoneSet& zones() const { return zones_; }

  private:
    ZoneSet zones_;
    FaultEngine faults_;
    FixtureOptions options_;
    ReplyCache cache_;
};

}  // namespace relaylab::dns::fixture
