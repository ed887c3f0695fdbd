#include "harness/relay/config/relay_access.hpp"

#include <algorithm>

#include "harness/relay/config/config_values.hpp"

namespace relaylab::relay {

namespace {

// RFC 5321 4.5.3.1.3: a path is at most 256 octets.
constexpr std::size_t max_echoed_recipient = 256;

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view describe(RelayVerdict verdict) {
    switch (verdict) {
        case RelayVerdict::trusted_network:
            return "trusted_network";
        case RelayVerdict::authenticated:
            return "authenticated";
        case RelayVerdict::relay_domain:
            return "relay_domain";
        case RelayVerdict::relay_access_denied:
            return "relay_access_denied";
    }
    return "unknown";
}

RelayAccess::RelayAccess(const RelayConfig& config)
    : RelayAccess(config.trusted_networks, config.relay_domains) {}

RelayAccess::RelayAccess(const std::vector<std::string>& trusted_networks,
                         const std::vector<std::string>& relay_domains) {
    for (const auto& text : trusted_networks) {
        if (auto range = net::parse_ip_range(text)) trusted_.push_back(*range);
    }
    for (const auto& text : relay_domains) {
        auto domain = fold_domain(text);
        if (domain.size() > 1 && domain.front() == '.') {
            parent_domains_.push_back(std::move(domain));
        } else if (!domain.empty() && domain.front() != '.') {
            exact_domains_.push_back(std::move(domain));
        }
    }
    std::sort(exact_domains_.begin(), exact_domains_.end());
}

bool RelayAccess::trusted(const net::IpAddress& client_ip) const {
    return std::any_of(trusted_.begin(), trusted_.end(),
                       [&](const net::IpRange& range) { return range.contains(client_ip); });
}

bool RelayAccess::trusted(std::string_view client_ip) const {
    auto address = net::parse_ip(client_ip);
    return address && trusted(*address);
}

bool RelayAccess::relay_domain(std::string_view domain) const {
    auto folded = fold_domain(domain);
    if (folded.empty()) return false;
    if (std::binary_search(exact_domains_.begin(), exact_domains_.end(), folded)) return true;
    // ".example.test" must not match "badexample.test": the suffix includes the dot.
    return std::any_of(parent_domains_.begin(), parent_domains_.end(),
                       [&](const std::string& parent) { return ends_with(folded, parent); });
}

RelayDecision RelayAccess::decide_rcpt(std::string_view client_ip, bool authenticated,
                                       std::string_view recipient) const {
    if (trusted(client_ip)) return {RelayVerdict::trusted_network, {}};
    if (authenticated) return {RelayVerdict::authenticated, {}};
    auto at = recipient.rfind('@');
    // A recipient without a domain (the bare <Postmaster> of RFC 5321 4.1.1.3) names no domain
    // we relay for: this relay has no local mailboxes.
    if (at != std::string_view::npos && relay_domain(recipient.substr(at + 1))) {
        return {RelayVerdict::relay_domain, {}};
    }
    // Postfix's words for the same refusal, so open-relay testers recognise it.
    // The address is echoed; a control character in it (never from a parsed path, but this
    // class does not know its caller) must not split the reply line.
    std::string shown;
    for (char c : recipient.substr(0, max_echoed_recipient)) {
        shown += (c < 0x20 || c == 0x7f) ? '?' : c;
    }
    RelayDecision decision;
    decision.reply = smtp::make_reply(554, "5.7.1", "<" + shown + ">: Relay access denied");
    return decision;
}

}  // namespace relaylab::relay
