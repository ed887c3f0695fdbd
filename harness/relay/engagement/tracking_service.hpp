// Open and click tracking as ESPs do it: before the spool write, the HTML parts of a
// single-recipient message get a 1x1 pixel (<img src=".../o/<token>">) and their http(s)
// links rewritten to ".../c/<token>?u=<original>"; an HTTP endpoint (Boost.Beast) answers the
// pixel with a GIF and a click with a 302 to the original URL (only if the token's MAC holds:
// no open redirect), counting opens and clicks, total and unique per message and recipient.
#pragma once

#include <memory>
#include <string>

#include "harness/relay/engagement/engagement_services.hpp"
#include "harness/relay/engagement/engagement_token.hpp"

namespace relaylab::relay {

class TrackingService : public EngagementService {
  public:
    // config.tracking is set.
    static std::shared_ptr<TrackingService> create(const RelayConfig& config,
                                                   std::shared_ptr<const EngagementKey> key);

    virtual std::string base_url() const = 0;  // "http://127.0.0.1:PORT"
};

}  // namespace relaylab::relay
