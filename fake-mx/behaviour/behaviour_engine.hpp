// Runs a Behaviour: for each decision point the shell asks decide() and maps the Outcome to an
// smtp::Decision (delay, drip-feed, drop). Rules are tried in order; a rule that only delays or
// tarpits adds to the outcome and evaluation goes on; the first final rule (reply, disconnect or
// accept) ends it. Then, unless a rule accepted, the built-ins run: the concurrency limit at
// connect, the message limits at MAIL, the greylist at RCPT.
//
// Thread-safe (one mutex: decisions are rare next to the bytes a session moves). Time comes in
// as an argument so tests drive greylist windows and rates without sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/behaviour/client_limits.hpp"
#include "fake-mx/behaviour/facts.hpp"
#include "fake-mx/behaviour/greylist_table.hpp"
#include "harness/net/bounded_lru.hpp"

namespace relaylab::fakemx {

class BehaviourEngine {
  public:
    using Clock = std::chrono::steady_clock;

    explicit BehaviourEngine(Behaviour behaviour);

    const Behaviour& behaviour() const { return behaviour_; }

    // The smtp::Phase values the shell must ask about (put into ServerConfig::decisions).
    // 0 for accept-all: the shell then does no per-command work at all.
    unsigned decision_phases() const { return phases_; }

    Outcome decide(const Facts& facts, Clock::time_point now);

    // Call for every connection, before decide(connect) (the count includes the new one), and
    // when it ends. No-ops, without locking, when no concurrency limit is configured.
    void connection_opened(std::string_view client_ip);
    void connection_closed(std::string_view client_ip);
    // Call for every message accepted (250 at end of data); feeds messages_per_minute.
    // A no-op, without locking, when that limit is not configured.
    void message_accepted(std::string_view client_ip, Clock::time_point now);

    // Entries held in the bounded tables, for tests and /metrics.
    struct TableSizes {
        std::size_t greylist = 0;
        std::size_t attempts = 0;
        std::size_t clients = 0;
    };
    TableSizes table_sizes() const;

  private:
    struct RuleState {
        std::uint64_t matches = 0;
        std::mt19937_64 rng;
    };

    void decide_locked(const Facts& facts, Clock::time_point now,
                       const std::optional<net::IpAddress>& client_ip, Outcome& out);
    std::uint64_t attempt_number(const Facts& facts);
    bool rule_fires(std::size_t index, const Facts& facts, std::uint64_t attempt,
                    const std::optional<net::IpAddress>& client_ip);
    void apply(const Rule& rule, const Facts& facts, Outcome& out);
    void apply_builtins(const Facts& facts, Clock::time_point now, Outcome& out);

    Behaviour behaviour_;
    unsigned phases_ = 0;
    bool counts_attempts_ = false;
    bool rules_use_client_ip_ = false;
    bool tracks_connections_ = false;
    bool tracks_messages_ = false;

    mutable std::mutex mutex_;
    std::vector<RuleState> rule_states_;
    std::mt19937_64 jitter_rng_;
    net::BoundedLru<std::uint64_t> attempts_;
    std::optional<GreylistTable> greylist_;
    ClientLimits clients_;
};

}  // namespace relaylab::fakemx
