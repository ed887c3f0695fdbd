// ConnectionGovernor: who may have one more connection, decided without sockets (sans-I/O, the
// shape of Postfix's anvil). A listener asks admit() for every accepted connection and calls
// release() when it ends. Limits: the listener's whole budget, concurrent connections per
// client, new connections per client per minute (a token bucket), and a process-wide
// descriptor budget (see descriptor_limit.hpp). under_stress() tells the shell to shorten its
// timeouts when the budget is nearly spent (Postfix: smtpd_timeout = ${stress?10}{300}).
//
// Thread-safe: one lock per admit/release, which is per connection, not per byte.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace relaylab::net {

class DescriptorBudget;

// A client, as the limits see it: its address with the host bits below the grouping prefix
// cleared (an IPv6 attacker usually holds a whole /64). IPv4 in the IPv4-mapped form.
struct ClientKey {
    std::array<std::uint8_t, 16> bytes{};
    bool operator==(const ClientKey&) const = default;
};

struct ClientGrouping {
    unsigned v4_prefix = 32;   // 32: each IPv4 address is its own client
    unsigned v6_prefix = 128;  // 128: each IPv6 address; 64 groups a subnet
};

// "192.0.2.1", "::ffff:192.0.2.1" or "2001:db8::1"; unparsable text maps to one shared key
// (all-zero), which is limited like any other client.
ClientKey client_key(std::string_view address, ClientGrouping grouping = {});

// 0 means "no limit" for every count and rate below.
struct GovernorLimits {
    std::size_t max_connections = 1000;  // the listener's budget
    // Concurrent connections one client may hold. Default (npos): half the budget (or of the
    // descriptor budget when smaller), as Postfix's
    // smtpd_client_connection_count_limit (50) is half its default_process_limit (100): one
    // client can never take every slot, and an ordinary client still gets generous room.
    std::size_t max_per_client = static_cast<std::size_t>(-1);
    // New connections one client may open per minute (anvil's
    // smtpd_client_connection_rate_limit); bursts up to the same number. Default 0: off.
    std::uint32_t max_rate_per_client = 0;
    ClientGrouping grouping;
    // Clients remembered for their rate history; beyond, the table forgets idle clients first.
    std::size_t max_tracked_clients = 100'000;
};

// Share of the budget in use from which the listener is "under stress".
inline constexpr unsigned stress_percent = 75;

enum class Refusal {
    none,
    server_full,         // the listener's budget is spent
    client_connections,  // this client holds its share already
    client_rate,         // this client opened too many connections this minute
    descriptors,         // the process is near its descriptor limit
};
std::string_view to_string(Refusal refusal);

class ConnectionGovernor {
  public:
    using Clock = std::chrono::steady_clock;

    // `descriptors` may be null (no process-wide budget); it must outlive the governor.
    explicit ConnectionGovernor(GovernorLimits limits, DescriptorBudget* descriptors = nullptr);
    ConnectionGovernor(const ConnectionGovernor&) = delete;
    ConnectionGovernor& operator=(const ConnectionGovernor&) = delete;

    // Refusal::none: admitted, and release(key) must follow exactly once.
    Refusal admit(const ClientKey& key, Clock::time_point now);
    void release(const ClientKey& key);

    bool under_stress() const;
    std::size_t active() const;
    std::size_t active_for(const ClientKey& key) const;
    std::size_t tracked_clients() const;
    std::size_t per_client_limit() const { return per_client_; }
    const GovernorLimits& limits() const { return limits_; }

  private:
    struct KeyHash {
        std::size_t operator()(const ClientKey& key) const;
    };
    struct Client {
        std::size_t active = 0;
        double tokens = 0;  // connection attempts left in the bucket
        Clock::time_point refilled{};
    };
    void refill(Client& client, Clock::time_point now) const;
    void forget_idle_clients(Clock::time_point now);

    GovernorLimits limits_;
    std::size_t per_client_;
    DescriptorBudget* descriptors_;
    mutable std::mutex mutex_;
    // Written under the lock; read without it by under_stress(), which runs once per wait.
    std::atomic<std::size_t> active_{0};
    std::unordered_map<ClientKey, Client, KeyHash> clients_;
};

}  // namespace relaylab::net
