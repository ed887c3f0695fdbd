#include "harness/relay/config/auth_limiter.hpp"

#include <algorithm>

#include "harness/net/ip_range.hpp"

namespace relaylab::relay {

namespace {

constexpr std::size_t ipv6_network_bytes = 8;  // a /64
constexpr std::size_t max_unparsed_key = 64;   // a non-address key is cut to this

}  // namespace

AuthLimiter::AuthLimiter(unsigned failures_per_minute, std::size_t max_clients)
    : failures_per_minute_(failures_per_minute), clients_(max_clients) {}

std::string AuthLimiter::client_key(std::string_view client_ip) {
    auto address = net::parse_ip(client_ip);
    // Something that is no address (a Unix socket peer, a test) still gets a bounded key.
    if (!address) return "?" + std::string(client_ip.substr(0, max_unparsed_key));
    std::size_t length = address->v4 ? address->bytes.size() : ipv6_network_bytes;
    return std::string(reinterpret_cast<const char*>(address->bytes.data()), length);
}

void AuthLimiter::drop_old(Failures& failures, Clock::time_point now) const {
    auto recent = std::find_if(failures.begin(), failures.end(), [&](Clock::time_point at) {
        return now - at < limits::auth_failure_window;
    });
    failures.erase(failures.begin(), recent);
}

bool AuthLimiter::allow(std::string_view client_ip, Clock::time_point now) {
    if (failures_per_minute_ == 0) return true;
    // peek, not find: asking must not keep an entry alive or make room for a new one.
    const auto* failures = clients_.peek(client_key(client_ip));
    if (!failures) return true;
    auto recent = std::count_if(failures->begin(), failures->end(), [&](Clock::time_point at) {
        return now - at < limits::auth_failure_window;
    });
    return static_cast<std::size_t>(recent) < failures_per_minute_;
}

void AuthLimiter::failed(std::string_view client_ip, Clock::time_point now) {
    if (failures_per_minute_ == 0) return;
    // Clients whose last failure is a minute old need no entry: forgetting them early keeps the
    // table small without evicting anyone who still counts.
    clients_.trim_oldest([&](const Failures& old) {
        return old.empty() || now - old.back() >= limits::auth_failure_window;
    });
    auto& failures = clients_.get_or_insert(client_key(client_ip), {});
    drop_old(failures, now);
    // Only the newest failures_per_minute stamps can decide allow(): older ones are dropped.
    if (failures.size() >= failures_per_minute_) failures.erase(failures.begin());
    failures.push_back(now);
}

}  // namespace relaylab::relay
