#include "harness/relay/engine/relay_admin.hpp"

#include <chrono>
#include <future>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "harness/http/prometheus.hpp"
#include "harness/relay/admin/relay_metrics.hpp"
#include "harness/relay/engine/queue_manager.hpp"
#include "harness/relay/engine/relay_engine.hpp"

namespace relaylab::relay {

namespace asio = boost::asio;

namespace {

// An admin request waits this long for the delivery thread before answering 500.
constexpr auto delivery_thread_wait = std::chrono::seconds(5);

// Runs `work` on the delivery thread (which owns the queue) and waits for its result.
template <class Work>
auto on_delivery_thread(asio::any_io_executor& executor, Work work) -> decltype(work()) {
    using Result = decltype(work());
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    asio::post(executor, [promise, work = std::move(work)]() mutable {
        try {
            promise->set_value(work());
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    });
    if (future.wait_for(delivery_thread_wait) != std::future_status::ready) {
        throw std::runtime_error("the delivery thread did not answer in time");
    }
    return future.get();
}

void counter(std::string& out, std::string_view name, std::string_view help,
             const std::atomic<std::uint64_t>& value) {
    http::append_metric(out, name, http::MetricType::counter, help,
                        value.load(std::memory_order_relaxed));
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
    http::append_metric(out, name, http::MetricType::gauge, help, value);
}

}  // namespace

RelayAdmin::RelayAdmin(const HostPort& where, asio::any_io_executor delivery, QueueManager& queue,
                       const RelayEngine& engine)
    : delivery_(std::move(delivery)), queue_(queue), engine_(engine) {
    AdminApiConfig config;
    config.address = where.host;
    config.port = where.port;
    api_ = std::make_unique<AdminApi>(config, *this);
}

RelayAdmin::~RelayAdmin() {
    stop();
}

void RelayAdmin::start() {
    api_->start();
}
void RelayAdmin::stop() {
    if (api_) api_->stop();
}
std::uint16_t RelayAdmin::port() const {
    return api_->port();
}

nlohmann::json RelayAdmin::queue_list(const QueueQuery& query) {
    return on_delivery_thread(delivery_, [this, query] { return queue_.list(query); });
}

std::optional<nlohmann::json> RelayAdmin::queue_message(const std::string& id) {
    return on_delivery_thread(delivery_, [this, id] { return queue_.inspect(id); });
}

std::size_t RelayAdmin::flush(const std::string& id, const std::string& domain) {
    return on_delivery_thread(delivery_, [this, id, domain] { return queue_.flush(id, domain); });
}

bool RelayAdmin::remove(const std::string& id) {
    return on_delivery_thread(delivery_, [this, id] { return queue_.remove(id); });
}

std::string RelayAdmin::metrics() {
    return engine_.metrics_text();
}

std::string relay_metrics_text(const RelayMetrics& metrics, const EngineCounters& c,
                               const SpoolStats& spool) {
    std::string out = metrics.prometheus_text();
    counter(out, "relaylab_relay_accepted_bytes_total", "octets of accepted messages",
            c.accepted_bytes);
    counter(out, "relaylab_relay_spool_write_failures_total",
            "messages refused 452/451 because the spool write failed", c.spool_failures);
    counter(out, "relaylab_relay_relay_denied_total", "recipients refused 554 5.7.1",
            c.relay_denied);
    counter(out, "relaylab_relay_auth_failures_total", "failed AUTH attempts", c.auth_failures);
    counter(out, "relaylab_relay_auth_throttled_total",
            "AUTH attempts refused after too many failures", c.auth_throttled);
    counter(out, "relaylab_relay_loops_total", "messages refused for too many Received: fields",
            c.loops);
    counter(out, "relaylab_relay_dsn_created_total", "bounce messages made", c.dsn_created);
    counter(out, "relaylab_relay_dsn_suppressed_total",
            "failures of null-sender mail (no bounce for a bounce)", c.dsn_suppressed);
    counter(out, "relaylab_relay_transactions_total", "outbound SMTP transactions", c.transactions);
    counter(out, "relaylab_relay_connections_total", "outbound connections (MX walks)",
            c.connections);
    counter(out, "relaylab_relay_connection_failures_total", "MX walks that reached no server",
            c.connection_failures);
    counter(out, "relaylab_relay_duplicate_risk_total",
            "transactions that failed after the content was sent (a retry may duplicate)",
            c.duplicate_risk);
    gauge(out, "relaylab_relay_recovered_messages", "messages found in the spool at start",
          c.recovered.load(std::memory_order_relaxed));
    gauge(out, "relaylab_relay_spool_live_messages", "messages live in the spool",
          spool.live_messages);
    gauge(out, "relaylab_relay_spool_segments", "spool segment files", spool.segments);
    gauge(out, "relaylab_relay_spool_bytes", "octets of spool segments on disk",
          spool.bytes_on_disk);
    http::append_metric(out, "relaylab_relay_spool_commits_total", http::MetricType::counter,
                        "group commits (one write and one fdatasync each)", spool.commits);
    http::append_metric(out, "relaylab_relay_spool_records_total", http::MetricType::counter,
                        "records written to the spool", spool.records_written);
    http::append_metric(out, "relaylab_relay_spool_write_errors_total", http::MetricType::counter,
                        "spool batches that failed to write", spool.write_errors);
    return out;
}

}  // namespace relaylab::relay
