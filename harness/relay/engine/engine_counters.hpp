// What a running relay counts besides admin/relay_metrics.hpp's RelayMetrics (accepted,
// rejected, deliveries by result, attempts by reply class, queue depth, connections, delivery
// latency): the finer counts of acceptance and delivery, for /metrics and the end-of-run
// summary. Updated from the listeners' io threads and the delivery thread, read from anywhere.
#pragma once

#include <atomic>
#include <cstdint>

namespace relaylab::relay {

struct EngineCounters {
    // Acceptance.
    std::atomic<std::uint64_t> accepted_bytes{0};  // octets of accepted messages
    std::atomic<std::uint64_t> spool_failures{0};  // answered 452/451: the write failed
    std::atomic<std::uint64_t> relay_denied{0};    // RCPTs refused 554 5.7.1
    std::atomic<std::uint64_t> auth_failures{0};
    std::atomic<std::uint64_t> auth_throttled{0};  // AUTH refused: too many failures
    std::atomic<std::uint64_t> loops{0};           // refused: too many Received: headers
    // Delivery (per recipient unless said otherwise).
    std::atomic<std::uint64_t> dsn_created{0};          // bounce messages made
    std::atomic<std::uint64_t> dsn_suppressed{0};       // failures of null-sender mail: no DSN
    std::atomic<std::uint64_t> transactions{0};         // SMTP transactions attempted
    std::atomic<std::uint64_t> connections{0};          // delivery connections made (walks)
    std::atomic<std::uint64_t> connection_failures{0};  // walks that reached no server
    std::atomic<std::uint64_t> duplicate_risk{0};       // failures after the content was sent
    std::atomic<std::uint64_t> recovered{0};            // messages found in the spool at start
};

}  // namespace relaylab::relay
