// The relay's ESP features, built from its configuration: the one-click unsubscribe endpoint
// and suppression list (unsubscribe_service.hpp), open and click tracking
// (tracking_service.hpp), per-sender quotas (quota_gate.hpp). The engine adds hooks() to its
// acceptance before the listeners start, starts the endpoints with start(), and reports
// stats() beside its own counters.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/relay/config/relay_config.hpp"
#include "harness/relay/engagement/submission_hooks.hpp"

namespace relaylab::relay {

// One feature: hooks into acceptance, maybe an endpoint of its own.
class EngagementService : public SubmissionHooks {
  public:
    virtual void start() {}  // binds its endpoint (throws std::system_error naming it)
    virtual void stop() {}
    virtual nlohmann::json stats() const = 0;
};

class EngagementServices {
  public:
    // Nothing starts here; a feature the configuration does not ask for is not built.
    explicit EngagementServices(const RelayConfig& config);
    ~EngagementServices();  // stop()
    EngagementServices(const EngagementServices&) = delete;
    EngagementServices& operator=(const EngagementServices&) = delete;

    void start();
    void stop();

    // In the order acceptance calls them: quotas, suppression and List-Unsubscribe, tracking.
    std::vector<std::shared_ptr<SubmissionHooks>> hooks() const;
    // {"unsubscribe": {...}, "tracking": {...}, "quotas": {...}}, only the configured ones.
    nlohmann::json stats() const;
    // After start(): "https://127.0.0.1:40123" / "http://127.0.0.1:40124"; "" when off.
    std::string unsubscribe_base_url() const;
    std::string tracking_base_url() const;
    // The CA that issued the unsubscribe endpoint's certificate ("" when the relay's own
    // `tls` files serve it, or unsubscribe is off): what simulated recipients trust.
    std::filesystem::path unsubscribe_ca_file() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::relay
