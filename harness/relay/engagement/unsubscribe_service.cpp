// Placeholder: the relay-unsubscribe helper implements this.
#include "harness/relay/engagement/unsubscribe_service.hpp"

namespace relaylab::relay {

std::shared_ptr<UnsubscribeService> UnsubscribeService::create(
    const RelayConfig&, std::shared_ptr<const EngagementKey>) {
    return nullptr;
}

}  // namespace relaylab::relay
