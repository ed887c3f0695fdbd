// Placeholder: the relay-unsubscribe helper implements this.
#include "harness/relay/engagement/quota_gate.hpp"

namespace relaylab::relay {

std::shared_ptr<QuotaGate> QuotaGate::create(const RelayConfig&) {
    return nullptr;
}

}  // namespace relaylab::relay
