// Per-sender quotas (config.quotas): a sliding window of accepted messages per quota entry and
// sender; at MAIL a sender at its limit gets 451 4.7.1 with the limit and when it frees up.
// Counted when the message is stored (a refused or failed transaction costs nothing).
#pragma once

#include <memory>

#include "harness/relay/engagement/engagement_services.hpp"

namespace relaylab::relay {

class QuotaGate : public EngagementService {
  public:
    // config.quotas is not empty.
    static std::shared_ptr<QuotaGate> create(const RelayConfig& config);
};

}  // namespace relaylab::relay
