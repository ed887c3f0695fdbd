// The embedded world of one run, started from a scenario: the fixture DNS server (the
// scenario's zones plus what the runner synthesizes), the fake MX hosts on their loopback
// addresses, and the builtin relay engine (or nothing, for an external relay under test).
// Everything binds loopback; ports are ephemeral unless the scenario fixes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json_fwd.hpp>

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
    void stop();   // the relay first (it stops delivering), then the fake MX, then DNS

    // Where the load goes: the builtin relay's relay-in listener or the external relay.
    boost::asio::ip::tcp::endpoint submission_endpoint() const;
    std::string relay_address() const;  // "127.0.0.1:40123"
    // Messages the builtin relay still holds (nullopt for an external relay: unknown).
    std::optional<std::uint64_t> relay_queue_depth() const;
    // The builtin relay's own account (null for an external relay): per-recipient outcomes
    // (delivered, deferred, bounced, expired), attempts by reply class ("none": no reply, e.g.
    // a TLS policy or DNS failure), connections, DSNs made. What the receivers cannot see.
    nlohmann::json relay_stats() const;
    // report.json's "world": {"dns": addr, "mx": [{name, address, behaviour, domains}]}.
    nlohmann::json describe() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::runner
