#include "harness/relay/admin/relay_metrics.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "harness/http/prometheus.hpp"
#include "harness/log/spawn_handler.hpp"

namespace relaylab::relay {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;
constexpr double microseconds_per_second = 1e6;

template <typename Enum>
std::size_t index_of(Enum value) {
    return static_cast<std::size_t>(value);
}

}  // namespace

// A fine bucket counts under `le` when its lowest value is at or below the bound, so the exposed
// counts are exact to the LatencyHistogram's resolution (a bucket is at most 1/1024 of its
// value wide).
std::vector<http::HistogramBucket> prometheus_latency_buckets(
    const load::LatencyHistogram& histogram) {
    std::vector<http::HistogramBucket> out;
    out.reserve(delivery_latency_buckets_s.size());
    for (double bound : delivery_latency_buckets_s)
        out.push_back({.upper_bound = bound});
    nlohmann::json json = histogram.to_json();
    for (const auto& bucket : json["buckets"]) {
        auto lowest_us = bucket[0].get<std::uint64_t>();
        auto count = bucket[1].get<std::uint64_t>();
        for (auto& coarse : out) {
            if (static_cast<double>(lowest_us) <= coarse.upper_bound * microseconds_per_second)
                coarse.cumulative_count += count;
        }
    }
    return out;
}

std::string_view to_string(DeliveryResult result) {
    switch (result) {
        case DeliveryResult::delivered:
            return "delivered";
        case DeliveryResult::deferred:
            return "deferred";
        case DeliveryResult::bounced:
            return "bounced";
        case DeliveryResult::expired:
            return "expired";
    }
    return "unknown";
}

std::string_view to_string(ReplyClass reply_class) {
    switch (reply_class) {
        case ReplyClass::positive:
            return "2xx";
        case ReplyClass::transient:
            return "4xx";
        case ReplyClass::permanent:
            return "5xx";
        case ReplyClass::no_reply:
            return "none";
    }
    return "none";
}

ReplyClass reply_class_of(unsigned code) {
    if (code >= 200 && code <= 299) return ReplyClass::positive;
    if (code >= 400 && code <= 499) return ReplyClass::transient;
    if (code >= 500 && code <= 599) return ReplyClass::permanent;
    return ReplyClass::no_reply;
}

std::string_view to_string(ConnectionDirection direction) {
    return direction == ConnectionDirection::inbound ? "inbound" : "outbound";
}

void RelayMetrics::count_accepted(std::uint64_t messages) {
    accepted_.fetch_add(messages, relaxed);
}

void RelayMetrics::count_rejected(std::uint64_t transactions) {
    rejected_.fetch_add(transactions, relaxed);
}

void RelayMetrics::count_delivery(DeliveryResult result, std::uint64_t recipients) {
    deliveries_[index_of(result)].fetch_add(recipients, relaxed);
}

void RelayMetrics::count_attempt(ReplyClass reply_class) {
    attempts_[index_of(reply_class)].fetch_add(1, relaxed);
}

void RelayMetrics::set_queue_depth(std::uint64_t messages) {
    queue_depth_.store(messages, relaxed);
}

void RelayMetrics::connection_opened(ConnectionDirection direction) {
    connections_[index_of(direction)].fetch_add(1, relaxed);
}

void RelayMetrics::connection_closed(ConnectionDirection direction) {
    connections_[index_of(direction)].fetch_sub(1, relaxed);
}

void RelayMetrics::observe_delivery_latency(std::chrono::microseconds latency) {
    std::lock_guard lock(latency_mutex_);
    delivery_latency_.record(latency.count());
}

RelayMetricsSnapshot RelayMetrics::snapshot() const {
    RelayMetricsSnapshot s;
    s.accepted = accepted_.load(relaxed);
    s.rejected = rejected_.load(relaxed);
    for (std::size_t i = 0; i < delivery_result_count; ++i)
        s.deliveries[i] = deliveries_[i].load(relaxed);
    for (std::size_t i = 0; i < reply_class_count; ++i)
        s.attempts[i] = attempts_[i].load(relaxed);
    s.queue_depth = queue_depth_.load(relaxed);
    for (std::size_t i = 0; i < connection_direction_count; ++i)
        s.connections[i] = connections_[i].load(relaxed);
    std::lock_guard lock(latency_mutex_);
    s.delivery_latency = delivery_latency_.summary();
    return s;
}

std::string RelayMetrics::prometheus_text() const {
    using http::append_metric;
    using http::append_metric_header;
    using http::append_sample;
    using http::format_labels;
    using http::MetricType;
    RelayMetricsSnapshot s = snapshot();
    std::string out;

    append_metric(out, "relaylab_relay_messages_accepted_total", MetricType::counter,
                  "Messages accepted into the spool (250 after DATA).", s.accepted);
    append_metric(out, "relaylab_relay_transactions_rejected_total", MetricType::counter,
                  "SMTP transactions refused at acceptance (relay denied, spool full, ...).",
                  s.rejected);

    constexpr std::string_view deliveries = "relaylab_relay_deliveries_total";
    append_metric_header(out, deliveries, MetricType::counter,
                         "Recipient outcomes by result (a deferral counts each time).");
    for (auto result : {DeliveryResult::delivered, DeliveryResult::deferred,
                        DeliveryResult::bounced, DeliveryResult::expired}) {
        append_sample(out, deliveries, format_labels({{"result", to_string(result)}}),
                      s.deliveries[index_of(result)]);
    }

    constexpr std::string_view attempts = "relaylab_relay_delivery_attempts_total";
    append_metric_header(out, attempts, MetricType::counter,
                         "Delivery attempts by the class of the reply that ended them "
                         "(none: connection, TLS or timeout failure).");
    for (auto reply : {ReplyClass::positive, ReplyClass::transient, ReplyClass::permanent,
                       ReplyClass::no_reply}) {
        append_sample(out, attempts, format_labels({{"reply_class", to_string(reply)}}),
                      s.attempts[index_of(reply)]);
    }

    append_metric(out, "relaylab_relay_queue_depth", MetricType::gauge,
                  "Messages in the queue with a recipient still to deliver.", s.queue_depth);

    constexpr std::string_view connections = "relaylab_relay_connections";
    append_metric_header(out, connections, MetricType::gauge,
                         "Open SMTP connections: inbound from clients, outbound to MX hosts.");
    for (auto direction : {ConnectionDirection::inbound, ConnectionDirection::outbound}) {
        // A close counted before its open (threads racing) shows as 0, never as a huge number.
        std::int64_t open = s.connections[index_of(direction)];
        append_sample(out, connections, format_labels({{"direction", to_string(direction)}}),
                      static_cast<std::uint64_t>(open < 0 ? 0 : open));
    }

    std::vector<http::HistogramBucket> buckets;
    double sum_s = 0;
    std::uint64_t count = 0;
    {
        std::lock_guard lock(latency_mutex_);
        buckets = prometheus_latency_buckets(delivery_latency_);
        count = delivery_latency_.count();
        sum_s = delivery_latency_.mean() * static_cast<double>(count) / microseconds_per_second;
    }
    http::append_histogram(out, "relaylab_relay_delivery_latency_seconds",
                           "From acceptance to the MX's 250 for each delivered recipient.", buckets,
                           sum_s, count);

    append_metric(out, "relaylab_escaped_exceptions_total", MetricType::counter,
                  "Exceptions that escaped a spawned coroutine in this process (logged).",
                  log::escaped_exceptions());
    return out;
}

}  // namespace relaylab::relay
