// Placeholder: the relay-tracking helper implements this.
#include "harness/relay/engagement/tracking_service.hpp"

namespace relaylab::relay {

std::shared_ptr<TrackingService> TrackingService::create(const RelayConfig&,
                                                         std::shared_ptr<const EngagementKey>) {
    return nullptr;
}

}  // namespace relaylab::relay
