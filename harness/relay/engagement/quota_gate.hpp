// Per-sender quotas (config.quotas): a sliding window of accepted messages per quota entry and
// sender (sliding_window_counter.hpp); at MAIL a sender at its limit gets 451 4.7.1 with the
// limit and when it frees up. Counted when the message is stored (a refused or failed
// transaction costs nothing). Every entry whose glob matches the sender applies ("*@shop.test"
// and "*" both hold for a@shop.test), each counting that sender on its own: a glob selects
// senders, it does not pool them. The null sender (bounces) is never limited.
//
// Concurrent transactions of one sender can all pass MAIL before any is stored, so a burst can
// overshoot the limit by the number of its parallel sessions; later MAILs see the true count.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "harness/relay/engagement/engagement_services.hpp"

namespace relaylab::relay {

class QuotaGate : public EngagementService {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    // config.quotas is not empty.
    static std::shared_ptr<QuotaGate> create(const RelayConfig& config);
    // With the time from `clock` (tests move it instead of sleeping).
    static std::shared_ptr<QuotaGate> create(const RelayConfig& config, Clock clock);
};

}  // namespace relaylab::relay
