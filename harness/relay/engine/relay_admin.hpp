// The admin API of a running relay: the AdminBackend the HTTP routes call (queue list, inspect,
// flush, delete, metrics), answered on the delivery thread that owns the queue, and the
// AdminApi server that serves it.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "harness/relay/admin/admin_api.hpp"
#include "harness/relay/admin/admin_backend.hpp"
#include "harness/relay/admin/relay_metrics.hpp"
#include "harness/relay/config/relay_config.hpp"
#include "harness/relay/engine/engine_counters.hpp"
#include "harness/relay/spool/spool.hpp"

namespace relaylab::relay {

class QueueManager;
class RelayEngine;

class RelayAdmin final : public AdminBackend {
  public:
    RelayAdmin(const HostPort& where, boost::asio::any_io_executor delivery, QueueManager& queue,
               const RelayEngine& engine);
    ~RelayAdmin() override;
    void start();
    void stop();
    std::uint16_t port() const;

    nlohmann::json queue_list(const QueueQuery& query) override;
    std::optional<nlohmann::json> queue_message(const std::string& id) override;
    std::size_t flush(const std::string& id, const std::string& domain) override;
    bool remove(const std::string& id) override;
    std::string metrics() override;

  private:
    boost::asio::any_io_executor delivery_;
    QueueManager& queue_;
    const RelayEngine& engine_;
    std::unique_ptr<AdminApi> api_;
};

// The relay's Prometheus exposition: RelayMetrics' (deliveries, attempts, queue depth,
// connections, delivery latency), then the finer counters and the spool's figures.
std::string relay_metrics_text(const RelayMetrics& metrics, const EngineCounters& counters,
                               const SpoolStats& spool);

}  // namespace relaylab::relay
