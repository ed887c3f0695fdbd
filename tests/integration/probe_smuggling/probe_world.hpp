// Runs one probe check group on its own io_context against a loopback target, bounded in time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake-mx/receiver/fake_mx.hpp"
#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe::testing {

// Loopback defaults that keep a group's 15 transactions to a few seconds.
ProbeOptions loopback_options();

using Group = boost::asio::awaitable<std::vector<CheckResult>> (*)(ProbeContext&);
// Runs `group` against 127.0.0.1:port; fails the test if it takes longer than `limit`.
std::vector<CheckResult> run_group(Group group, std::uint16_t port, ProbeOptions options,
                                   std::chrono::seconds limit = std::chrono::seconds(60));

// A fake MX host "mx.test" on an ephemeral loopback port with this behaviour (JSON text).
struct FakeMxHost {
    explicit FakeMxHost(const std::string& behaviour_json);
    ~FakeMxHost();
    std::uint16_t port() const { return mx.port(0); }
    fakemx::FakeMx mx;
};

const CheckResult& result_named(const std::vector<CheckResult>& results, const std::string& name);

// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_port();

}  // namespace relaylab::probe::testing
