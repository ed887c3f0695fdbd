// Failed AUTH attempts per client, in a sliding minute: after `auth_failures_per_minute` failures
// within the last 60 s a client is refused (421 4.7.0) until the oldest of them is a minute old.
// Password guessing through the submission port is the attack; Postfix's anvil
// (smtpd_client_auth_rate_limit) is the model.
//
// Memory is bounded: at most `max_clients` addresses are tracked (least recently used forgotten)
// and each keeps at most `failures_per_minute` time stamps. IPv6 clients are counted per /64, as
// one host commonly holds a whole /64 and could otherwise rotate addresses for free.
// Sans-I/O: the time is an argument. Not thread-safe: keep one for all listeners (behind a mutex
// or on one strand); one per io thread would multiply the limit by the number of threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "harness/net/bounded_lru.hpp"

namespace relaylab::relay {

namespace limits {
inline constexpr std::size_t auth_limiter_clients = 100'000;
inline constexpr std::chrono::seconds auth_failure_window{60};
}  // namespace limits

class AuthLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    // failures_per_minute 0: no limit (allow() is always true and nothing is stored).
    explicit AuthLimiter(unsigned failures_per_minute,
                         std::size_t max_clients = limits::auth_limiter_clients);

    // May this client try AUTH now? False once failures_per_minute failures were seen in the
    // last minute.
    bool allow(std::string_view client_ip, Clock::time_point now);
    // Records a failed AUTH attempt (wrong password, malformed exchange).
    void failed(std::string_view client_ip, Clock::time_point now);

    std::size_t tracked_clients() const { return clients_.size(); }
    std::size_t evictions() const { return clients_.evictions(); }

  private:
    // The last failures, oldest first, at most failures_per_minute_ of them.
    using Failures = std::vector<Clock::time_point>;

    static std::string client_key(std::string_view client_ip);
    void drop_old(Failures& failures, Clock::time_point now) const;

    unsigned failures_per_minute_;
    net::BoundedLru<Failures> clients_;
};

}  // namespace relaylab::relay
