// One relay: listeners (relay-in, submission) in front of the spool, the queue manager and its
// delivery connections behind it, the admin API beside it. `relaylab relay` runs one until a
// signal; the scenario runner starts one in-process from a scenario's `relay` section.
//
// Threads: the listeners' io threads (SmtpServer), one delivery thread (queue manager, DNS
// resolver, every outbound connection), the spool's writer thread, the admin API's thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "harness/relay/admin/relay_metrics.hpp"
#include "harness/relay/config/relay_config.hpp"
#include "harness/relay/engine/engine_counters.hpp"
#include "harness/relay/spool/spool.hpp"

namespace relaylab::relay {

class RelayEngine {
  public:
    explicit RelayEngine(RelayConfig config);
    ~RelayEngine();  // stop()
    RelayEngine(const RelayEngine&) = delete;
    RelayEngine& operator=(const RelayEngine&) = delete;

    // Opens the spool (replaying it), loads DKIM keys, binds every listener and starts the
    // threads; recovered messages start going out at once. Throws std::runtime_error (spool
    // locked or unusable, a key unreadable) or std::system_error (an address in use).
    void start();
    // Graceful: listeners stop taking mail (421 to open sessions), delivery connections finish
    // their transactions and QUIT (bounded), the spool writes what it has and closes.
    void stop();

    std::uint16_t relay_in_port() const;    // 0 when not configured
    std::uint16_t submission_port() const;  // 0 when not configured
    std::uint16_t admin_port() const;       // 0 when not configured
    const RelayConfig& config() const;
    const EngineCounters& counters() const;
    const RecoveryReport& recovery() const;  // after start()
    const RelayMetrics& metrics() const;
    std::string metrics_text() const;  // what GET /metrics serves

    // The ESP features (unsubscribe, tracking, quotas; engagement_services.hpp): their
    // counters, and where their endpoints listen after start() ("" when not configured).
    nlohmann::json engagement_stats() const;
    std::string unsubscribe_base_url() const;
    std::string tracking_base_url() const;
    std::filesystem::path unsubscribe_ca_file() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::relay
