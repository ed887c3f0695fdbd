// A small world for the banner/limits/ptr/dnsbl groups: the fixture DNS server (reverse zone
// for 127.0.0.0/8, example.test, the DNSBL zone bl.test) on its own io thread, and a way to run
// one check group against a target on a private io_context with a bound on the whole run.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "fake-mx/dns-fixture/server.hpp"
#include "harness/dns/resolver_config.hpp"
#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe::test {

// Far beyond what loopback needs; a run that hits it has hung (and the test fails).
inline constexpr std::chrono::seconds run_deadline{30};

// 127.0.0.1 PTR mx.example.test (A 127.0.0.1: confirmed); 127.0.0.2 no PTR and listed in
// bl.test (A 127.0.0.2, TXT reason); 127.0.0.3 PTR elsewhere.example.test (A 192.0.2.1: not
// confirmed); 127.0.0.4 in bl.test answers 127.255.255.254 (the zone refuses). Queries under
// slow.test are dropped (a DNSBL that never answers).
class FixtureDns {
  public:
    FixtureDns();
    ~FixtureDns();
    dns::ResolverConfig config() const;

  private:
    boost::asio::io_context io_;
    std::unique_ptr<dns::fixture::FixtureServer> server_;
    std::thread thread_;
};

// Timeouts for loopback: each wait well under the run deadline, but long enough for a busy
// sanitizer build.
ProbeOptions loopback_options();
ProbeTarget loopback_target(std::string address, std::uint16_t port);

using GroupFunction = boost::asio::awaitable<std::vector<CheckResult>> (*)(ProbeContext&);

struct GroupRun {
    std::vector<CheckResult> results;
    std::chrono::milliseconds elapsed{0};
    const CheckResult* find(const std::string& name) const;  // nullptr when absent
};

// Runs `group` to its end (or run_deadline) on a fresh io_context with a resolver on `dns`.
GroupRun run_group(GroupFunction group, const FixtureDns& dns, ProbeTarget target,
                   ProbeOptions options = loopback_options());

// "banner: pass: greets with 220 ..." lines, for INFO.
std::string describe(const std::vector<CheckResult>& results);

}  // namespace relaylab::probe::test
