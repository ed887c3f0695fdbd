// Who may relay through us: the RCPT TO decision that keeps the relay from being an open relay.
// The rules, in Postfix's smtpd_relay_restrictions order (permit_mynetworks,
// permit_sasl_authenticated, reject_unauth_destination):
//   a client in trusted_networks may send to any domain;
//   an authenticated client (submission) may send to any domain;
//   anyone may send to a relay domain (we are its MX);
//   everything else gets 554 5.7.1 <rcpt>: Relay access denied.
// Built once from the configuration; sans-I/O, the session asks it per recipient.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/net/ip_range.hpp"
#include "harness/relay/config/relay_config.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::relay {

enum class RelayVerdict {
    trusted_network,      // accepted: the client address is in trusted_networks
    authenticated,        // accepted: the client authenticated (AUTH)
    relay_domain,         // accepted: the recipient's domain is one we relay for
    relay_access_denied,  // rejected: none of the above (554 5.7.1)
};
std::string_view describe(RelayVerdict verdict);  // for logs: "trusted_network", ...

struct RelayDecision {
    RelayVerdict verdict = RelayVerdict::relay_access_denied;
    smtp::Reply reply;  // 554 5.7.1 when rejected; empty (code 0) when accepted
    bool accepted() const { return verdict != RelayVerdict::relay_access_denied; }
};

class RelayAccess {
  public:
    // trusted_networks must parse (parse_relay_config checked them); an entry that does not is
    // skipped, which can only make the relay stricter.
    explicit RelayAccess(const RelayConfig& config);
    RelayAccess(const std::vector<std::string>& trusted_networks,
                const std::vector<std::string>& relay_domains);

    // The client address as the socket reports it ("192.0.2.1", "::ffff:192.0.2.1", "::1").
    // Anything that is not an address is not trusted.
    bool trusted(std::string_view client_ip) const;
    bool trusted(const net::IpAddress& client_ip) const;
    // Case-insensitive and exact: "example.test" matches only itself, ".example.test" matches
    // every subdomain of it (not itself). A trailing root dot is ignored.
    bool relay_domain(std::string_view domain) const;

    // `recipient` is the RCPT TO address without brackets ("bob@example.test"); its domain is
    // what follows the last '@'.
    RelayDecision decide_rcpt(std::string_view client_ip, bool authenticated,
                              std::string_view recipient) const;

  private:
    std::vector<net::IpRange> trusted_;
    std::vector<std::string> exact_domains_;   // lower case, sorted
    std::vector<std::string> parent_domains_;  // ".example.test" entries, lower case, with dot
};

}  // namespace relaylab::relay
