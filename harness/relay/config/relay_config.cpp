#include "harness/relay/config/relay_config.hpp"

#include "harness/relay/config/config_values.hpp"

namespace relaylab::relay {

const DestinationPolicy& RelayConfig::destination(const std::string& domain) const {
    static const DestinationPolicy defaults;
    if (auto it = destinations.find(domain); it != destinations.end()) return it->second;
    // "Gmail.TEST." finds the entry written as "gmail.test" (parse_relay_config folds the keys).
    if (auto it = destinations.find(fold_domain(domain)); it != destinations.end())
        return it->second;
    if (auto it = destinations.find("*"); it != destinations.end()) return it->second;
    return defaults;
}

}  // namespace relaylab::relay
