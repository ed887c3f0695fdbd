#include "harness/relay/engine/route.hpp"

#include <boost/asio/ip/address.hpp>

namespace relaylab::relay {

namespace asio = boost::asio;

namespace {

Route fail(int code, std::string enhanced, std::string text) {
    Route route;
    route.kind = code >= 500 ? Route::Kind::fail : Route::Kind::defer;
    route.reply = smtp::make_reply(code, enhanced, text);
    return route;
}

bool temporary(dns::Status status) {
    return status == dns::Status::servfail || status == dns::Status::timeout ||
           status == dns::Status::refused;
}

std::string status_words(dns::Status status) {
    switch (status) {
        case dns::Status::ok:
            return "ok";
        case dns::Status::nxdomain:
            return "Host not found";
        case dns::Status::nodata:
            return "No address associated with name";
        case dns::Status::servfail:
            return "Server failure";
        case dns::Status::timeout:
            return "Timed out";
        case dns::Status::refused:
            return "Refused";
    }
    return "unknown";
}

struct HostAddresses {
    std::vector<std::string> addresses;
    bool temporary_failure = false;
    std::string detail;
};

// A name's IPv4 then IPv6 addresses (an address literal as it is).
asio::awaitable<HostAddresses> host_addresses(dns::Resolver& resolver, const std::string& host) {
    HostAddresses out;
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    if (!ec) {
        out.addresses.push_back(host);
        co_return out;
    }
    auto v4 = co_await resolver.a(host);
    for (auto& address : v4.values)
        out.addresses.push_back(address);
    auto v6 = co_await resolver.aaaa(host);
    for (auto& address : v6.values)
        out.addresses.push_back(address);
    if (out.addresses.empty()) {
        out.temporary_failure = temporary(v4.status) || temporary(v6.status);
        out.detail = "name=" + host + " type=A: " + status_words(v4.status);
    }
    co_return out;
}

asio::awaitable<Route> smarthost_route(dns::Resolver* resolver, const SmarthostRoute& smarthost) {
    Route route;
    route.smarthost = &smarthost;
    boost::system::error_code ec;
    auto literal = asio::ip::make_address(smarthost.server.host, ec);
    if (!ec) {
        route.kind = Route::Kind::deliver;
        route.endpoints.push_back(
            net::Endpoint{"", asio::ip::tcp::endpoint(literal, smarthost.server.port), {}});
        co_return route;
    }
    if (!resolver) {
        co_return fail(451, "4.4.3",
                       "smarthost " + smarthost.server.host +
                           " is a name and no resolver is configured (--dns)");
    }
    auto found = co_await host_addresses(*resolver, smarthost.server.host);
    if (found.addresses.empty()) {
        // A smarthost that does not resolve is the operator's problem: defer, never bounce.
        co_return fail(451, "4.4.3",
                       "Host or domain name not found. Name service error for " + found.detail);
    }
    route.kind = Route::Kind::deliver;
    for (auto& address : found.addresses) {
        route.endpoints.push_back(net::Endpoint{
            smarthost.server.host,
            asio::ip::tcp::endpoint(asio::ip::make_address(address), smarthost.server.port),
            {}});
    }
    co_return route;
}

}  // namespace

asio::awaitable<Route> resolve_route(dns::Resolver* resolver, const RelayConfig& config,
                                     const std::string& domain) {
    const DestinationPolicy& policy = config.destination(domain);
    if (policy.smarthost) co_return co_await smarthost_route(resolver, *policy.smarthost);
    if (config.smarthost) co_return co_await smarthost_route(resolver, *config.smarthost);
    if (!resolver) {
        co_return fail(451, "4.4.3", "no resolver configured (--dns) to look up MX of " + domain);
    }
    dns::MxResult mx = co_await resolver->mx(domain);
    if (mx.status == dns::Status::nxdomain) {
        co_return fail(550, "5.1.2",
                       "Host or domain name not found. Name service error for name=" + domain +
                           " type=MX: Host not found");
    }
    if (mx.status != dns::Status::ok) {
        if (mx.status == dns::Status::nodata) {
            co_return fail(550, "5.1.2", "domain " + domain + " has no MX and no address");
        }
        co_return fail(451, "4.4.3",
                       "Host or domain name not found. Name service error for name=" + domain +
                           " type=MX: " + status_words(mx.status) +
                           (mx.detail.empty() ? "" : " (" + mx.detail + ")"));
    }
    if (mx.null_mx) {
        // RFC 7505 4.2: a null MX means the domain accepts no mail; fail at once, no retries.
        co_return fail(
            556, "5.1.10",
            "Recipient address rejected: Domain " + domain + " does not accept mail (nullMX)");
    }
    const bool dane = net::parse_tls_security_level(policy.tls) == net::TlsSecurityLevel::dane;
    Route route;
    bool any_temporary = false;
    std::string last_detail;
    for (const auto& host : mx.hosts) {
        auto found = co_await host_addresses(*resolver, host.exchange);
        any_temporary = any_temporary || found.temporary_failure;
        if (found.addresses.empty()) last_detail = found.detail;
        net::DaneRecords tlsa;
        if (dane && !found.addresses.empty()) {
            tlsa = net::dane_records_from(
                co_await resolver->tlsa(net::tlsa_owner_name(host.exchange, config.mx_port)));
        }
        for (auto& address : found.addresses) {
            route.endpoints.push_back(net::Endpoint{
                host.exchange,
                asio::ip::tcp::endpoint(asio::ip::make_address(address), config.mx_port), tlsa});
        }
    }
    if (route.endpoints.empty()) {
        if (any_temporary) {
            co_return fail(451, "4.4.3",
                           "Host or domain name not found. Name service error for " + last_detail);
        }
        co_return fail(
            550, "5.4.4",
            "unable to route: no MX host of " + domain + " has an address (" + last_detail + ")");
    }
    route.kind = Route::Kind::deliver;
    co_return route;
}

}  // namespace relaylab::relay
