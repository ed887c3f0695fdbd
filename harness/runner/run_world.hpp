// The embedded world of one run, started from a scenario: the fixture DNS server (the
// scenario's zones plus what the runner synthesizes), the fake MX hosts on their loopback
// addresses, and the builtin relay engine (or nothing, for an external relay under test); with
// world.spam a private spamd (or the user's) scoring every message at the fake MX, and with
// world.recipients simulated people who read what the fake MX accepted (issue 13).
// Everything binds loopback; ports are ephemeral unless the scenario fixes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json_fwd.hpp>

#include "fake-mx/placement/net/recipient_simulator.hpp"
#include "fake-mx/receiver/receiver_event.hpp"
#include "harness/scenario/scenario.hpp"

namespace relaylab::runner {

// The world could not be built or started (a port in use, a key that would not load, ...):
// the run itself broke (exit code 3).
class WorldError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class RunWorld {
  public:
    // `work_dir`: where the spool, generated keys and the test CA go (the runner's own
    // temporary folder). `observer`: every fake MX event (the recorder).
    RunWorld(const scenario::Scenario& scenario, std::filesystem::path work_dir,
             fakemx::ReceiverObserver observer);
    ~RunWorld();  // stop()
    RunWorld(const RunWorld&) = delete;
    RunWorld& operator=(const RunWorld&) = delete;

    void start();  // throws WorldError
    // The simulated recipients first (they still talk to the relay's endpoints), the relay
    // (it stops delivering), then the fake MX, spamd, then DNS.
    void stop();
    // Lets the simulated recipients finish what they were given (bounded), so their truth and
    // the relay's engagement counters are final; then they stop. Before the report is built.
    void finish_recipients();

    // Where the load goes: the builtin relay's relay-in listener or the external relay.
    boost::asio::ip::tcp::endpoint submission_endpoint() const;
    std::string relay_address() const;  // "127.0.0.1:40123"
    // Messages the builtin relay still holds (nullopt for an external relay: unknown).
    std::optional<std::uint64_t> relay_queue_depth() const;
    // The builtin relay's own account (null for an external relay): per-recipient outcomes
    // (delivered, deferred, bounced, expired), attempts by reply class ("none": no reply, e.g.
    // a TLS policy or DNS failure), connections, DSNs made. What the receivers cannot see.
    nlohmann::json relay_stats() const;
    // RelayEngine::engagement_stats() of the builtin relay; null for an external relay.
    nlohmann::json relay_engagement() const;
    // The simulated recipients (null without world.recipients).
    const placement::RecipientSimulator* recipients() const;
    // report.json's "world": {"dns": addr, "mx": [{name, address, behaviour, domains}]}.
    nlohmann::json describe() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::runner
