#include "harness/relay/config/relay_config.hpp"

#include <algorithm>

namespace relaylab::relay {

namespace {

// Domains compare case-insensitively (RFC 5321 2.4) and a trailing root dot names the same
// domain, so "Gmail.TEST." finds the entry written as "gmail.test".
std::string fold_domain(std::string_view domain) {
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    std::string folded(domain);
    std::transform(folded.begin(), folded.end(), folded.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    return folded;
}

}  // namespace

const DestinationPolicy& RelayConfig::destination(const std::string& domain) const {
    static const DestinationPolicy defaults;
    if (auto it = destinations.find(domain); it != destinations.end()) return it->second;
    if (auto it = destinations.find(fold_domain(domain)); it != destinations.end())
        return it->second;
    if (auto it = destinations.find("*"); it != destinations.end()) return it->second;
    return defaults;
}

}  // namespace relaylab::relay
