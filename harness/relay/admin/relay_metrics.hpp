// The relay's numbers for GET /metrics: counters the engine bumps as mail moves (accepted,
// rejected, delivery attempts by reply class, outcomes by result), gauges it sets (queue depth,
// live connections each way), and the latency from acceptance to delivery as a Prometheus
// histogram (recorded in harness/load's LatencyHistogram, so percentiles are at hand too).
//
// Thread-safe: every io thread of the engine may call it at once. Counters and gauges are
// relaxed atomics (a scrape need not be a consistent snapshot across metrics, as in any
// Prometheus client); the histogram is behind a mutex, taken once per delivered recipient.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "harness/http/prometheus.hpp"
#include "harness/load/latency_histogram.hpp"

namespace relaylab::relay {

// What became of one recipient, once per outcome (a recipient deferred twice then delivered
// counts deferred twice and delivered once).
enum class DeliveryResult { delivered, deferred, bounced, expired };
inline constexpr std::size_t delivery_result_count = 4;
std::string_view to_string(DeliveryResult result);  // the label value: "delivered", ...

// The class of the reply that ended one delivery attempt (RFC 5321 4.2.1: the first digit),
// or no reply at all: the connection, TLS or a timeout failed first.
enum class ReplyClass { positive, transient, permanent, no_reply };
inline constexpr std::size_t reply_class_count = 4;
std::string_view to_string(ReplyClass reply_class);  // "2xx", "4xx", "5xx", "none"
// 200-299 positive, 400-499 transient, 500-599 permanent; anything else (0, 1xx, 3xx, a code
// out of range) is no_reply: a final reply of that kind is a protocol failure, not an answer.
ReplyClass reply_class_of(unsigned code);

enum class ConnectionDirection { inbound, outbound };  // SMTP clients of ours / MX sessions
inline constexpr std::size_t connection_direction_count = 2;
std::string_view to_string(ConnectionDirection direction);  // "inbound", "outbound"

// Upper bounds (seconds) of the latency histogram's buckets as exposed: from a delivery on the
// same machine (milliseconds) to one after retries (hours are beyond the LatencyHistogram's
// one hour range, which counts them at one hour: they land in +Inf only).
inline constexpr std::array<double, 12> delivery_latency_buckets_s{
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 1800};

// Prometheus buckets (delivery_latency_buckets_s, cumulative) from the fine log-linear ones:
// exact to the LatencyHistogram's resolution.
std::vector<http::HistogramBucket> prometheus_latency_buckets(
    const load::LatencyHistogram& histogram);

struct RelayMetricsSnapshot {
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::array<std::uint64_t, delivery_result_count> deliveries{};  // by DeliveryResult
    std::array<std::uint64_t, reply_class_count> attempts{};        // by ReplyClass
    std::uint64_t queue_depth = 0;
    std::array<std::int64_t, connection_direction_count> connections{};
    load::LatencySummary delivery_latency;
};

class RelayMetrics {
  public:
    // Messages accepted into the spool (250 after DATA), and transactions refused (a 4xx/5xx
    // to MAIL, RCPT or DATA that ended the transaction: relay denied, spool full, ...).
    void count_accepted(std::uint64_t messages = 1);
    void count_rejected(std::uint64_t transactions = 1);
    void count_delivery(DeliveryResult result, std::uint64_t recipients = 1);
    void count_attempt(ReplyClass reply_class);
    void count_attempt_reply(unsigned code) { count_attempt(reply_class_of(code)); }

    void set_queue_depth(std::uint64_t messages);
    void connection_opened(ConnectionDirection direction);
    void connection_closed(ConnectionDirection direction);

    // From acceptance (250 to DATA) to the 250 of the MX for one recipient.
    void observe_delivery_latency(std::chrono::microseconds latency);

    RelayMetricsSnapshot snapshot() const;

    // The whole exposition (format 0.0.4, HELP and TYPE lines included), metric names under
    // relaylab_relay_; also relaylab_escaped_exceptions_total (harness/log) for the process.
    std::string prometheus_text() const;

  private:
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> rejected_{0};
    std::array<std::atomic<std::uint64_t>, delivery_result_count> deliveries_{};
    std::array<std::atomic<std::uint64_t>, reply_class_count> attempts_{};
    std::atomic<std::uint64_t> queue_depth_{0};
    std::array<std::atomic<std::int64_t>, connection_direction_count> connections_{};
    mutable std::mutex latency_mutex_;
    load::LatencyHistogram delivery_latency_;  // guarded by latency_mutex_
};

}  // namespace relaylab::relay
