// Where a destination domain's mail goes (RFC 5321 5.1): a smarthost from the config, or the
// domain's MX hosts by preference (implicit MX from the address records, null MX refused per
// RFC 7505), each host's addresses on the relay's MX port. Temporary DNS failures defer;
// answers that say the domain cannot receive mail fail the recipients.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "harness/dns/resolver.hpp"
#include "harness/net/smtp_client.hpp"
#include "harness/relay/config/relay_config.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::relay {

struct Route {
    enum class Kind { deliver, fail, defer };
    Kind kind = Kind::defer;
    std::vector<net::Endpoint> endpoints;       // deliver: in the order to try
    const SmarthostRoute* smarthost = nullptr;  // deliver via this smarthost (AUTH, TLS level)
    // fail and defer: the reply to report for every recipient, as if a server had said it
    // (Postfix words its DSNs the same way: "Host or domain name not found").
    smtp::Reply reply;
};

// `resolver` may be null (no --dns): only smarthost routes work then; MX routing defers.
boost::asio::awaitable<Route> resolve_route(dns::Resolver* resolver, const RelayConfig& config,
                                            const std::string& domain);

}  // namespace relaylab::relay
