// Per-client-IP counters for the rate limits: open connections and a token bucket of messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "harness/net/bounded_lru.hpp"

namespace relaylab::fakemx {

class ClientLimits {
  public:
    using Clock = std::chrono::steady_clock;

    // per_minute 0: no message bucket.
    ClientLimits(std::uint64_t per_minute, std::size_t capacity);

    // Returns the open connections of `ip`, this one included.
    std::uint64_t opened(const std::string& ip);
    void closed(const std::string& ip);
    std::uint64_t open_connections(const std::string& ip) const;

    // True when `ip` may start another message now (a whole token is left).
    bool may_send(const std::string& ip, Clock::time_point now);
    void message_accepted(const std::string& ip, Clock::time_point now);

    std::size_t size() const { return clients_.size(); }

  private:
    struct Client {
        std::uint64_t open = 0;
        double tokens = 0;
        Clock::time_point refilled{};
    };
    Client& client(const std::string& ip, Clock::time_point now);
    void refill(Client& c, Clock::time_point now) const;

    double capacity_tokens_;
    net::BoundedLru<Client> clients_;
};

}  // namespace relaylab::fakemx
