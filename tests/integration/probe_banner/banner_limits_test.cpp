// The banner and limits groups against relaylab's fake MX: a host that greets properly and
// advertises everything, one with tight limits (SIZE 10000, 5 recipients), one without
// PIPELINING, one that greets with a single-label name. Nothing may be delivered.
#include <catch2/catch.hpp>

#include "fake-mx/receiver/fake_mx.hpp"
#include "probe_world.hpp"
#include "probes/policy/banner_checks.hpp"
#include "probes/policy/limits_judge.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace relaylab::probe::test;

namespace {

fakemx::HostConfig host(std::string name, std::size_t max_recipients = 1000,
                        std::uint64_t max_size = 50'000'000, bool pipelining = true) {
    fakemx::HostConfig config;
    config.name = std::move(name);
    config.address = "127.0.0.1";
    config.behaviour.max_recipients = max_recipients;
    config.behaviour.max_message_size = max_size;
    config.behaviour.extensions.pipelining = pipelining;
    return config;
}

// Host 0: mx.example.test with roomy limits; 1: tight limits; 2: no PIPELINING; 3: "mailhost".
struct World {
    FixtureDns dns;
    fakemx::FakeMx mx;
    World()
        : mx([] {
              fakemx::FakeMxConfig config;
              config.hosts = {host("mx.example.test"), host("tight.example.test", 5, 10'000),
                              host("nopipe.example.test", 1000, 50'000'000, false),
                              host("mailhost")};
              return config;
          }()) {
        mx.start();
    }
    ~World() { mx.stop(); }
    ProbeTarget target(std::size_t host) { return loopback_target("127.0.0.1", mx.port(host)); }
};

}  // namespace

TEST_CASE("banner of a well-behaved fake MX", "[probe][banner]") {
    World world;
    const GroupRun run = run_group(run_banner_checks, world.dns, world.target(0));
    INFO(describe(run.results));
    REQUIRE(run.find("banner"));
    CHECK(run.find("banner")->verdict == Verdict::pass);
    REQUIRE(run.find("banner.hostname"));
    CHECK(run.find("banner.hostname")->verdict == Verdict::pass);
    CHECK(run.find("banner.hostname")->details["hostname"] == "mx.example.test");
    REQUIRE(run.find("banner.delay"));
    CHECK(run.find("banner.delay")->verdict == Verdict::pass);
    const CheckResult* ehlo = run.find("banner.ehlo");
    REQUIRE(ehlo);
    CHECK(ehlo->verdict == Verdict::pass);
    CHECK(ehlo->details["pipelining"] == true);
    CHECK(ehlo->details["8bitmime"] == true);
    CHECK(ehlo->details["smtputf8"] == true);
    CHECK(ehlo->details["chunking"] == true);
    CHECK(ehlo->details["enhancedstatuscodes"] == true);
    CHECK(ehlo->details["size"] == 50'000'000);
    // The evidence is the dialogue itself.
    CHECK(ehlo->evidence.front().starts_with("-- connected to 127.0.0.1:"));
    CHECK(std::find(ehlo->evidence.begin(), ehlo->evidence.end(), "C: EHLO probe.relaylab.test") !=
          ehlo->evidence.end());
    CHECK(world.mx.messages_accepted() == 0);
}

TEST_CASE("banner of a host whose greeting is not an FQDN", "[probe][banner]") {
    World world;
    const GroupRun run = run_group(run_banner_checks, world.dns, world.target(3));
    INFO(describe(run.results));
    REQUIRE(run.find("banner.hostname"));
    CHECK(run.find("banner.hostname")->verdict == Verdict::warn);
    CHECK(run.find("banner")->verdict == Verdict::pass);
}

TEST_CASE("limits of a roomy fake MX", "[probe][limits]") {
    World world;
    const GroupRun run = run_group(run_limits_checks, world.dns, world.target(0));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 3);
    const CheckResult* size = run.find("limits.size");
    REQUIRE(size);
    CHECK(size->verdict == Verdict::pass);
    CHECK(size->details["size"] == 50'000'000);
    CHECK(size->details["code"] == 552);
    const CheckResult* recipients = run.find("limits.recipients");
    REQUIRE(recipients);
    CHECK(recipients->verdict == Verdict::pass);
    CHECK(recipients->details["accepted"] == recipients_probe_limit);
    CHECK(recipients->details["limit"].is_null());
    // The long run of RCPTs is cut in the middle of the evidence.
    CHECK(recipients->evidence.size() < 40);
    const CheckResult* pipelining = run.find("limits.pipelining");
    REQUIRE(pipelining);
    CHECK(pipelining->verdict == Verdict::pass);
    CHECK(pipelining->details["codes"] == nlohmann::json({250, 250, 250, 250}));
    // Only declared sizes and RCPT then RSET: nothing was delivered.
    CHECK(world.mx.messages_accepted() == 0);
}

TEST_CASE("limits of a tight fake MX: SIZE 10000, 5 recipients", "[probe][limits]") {
    World world;
    const GroupRun run = run_group(run_limits_checks, world.dns, world.target(1));
    INFO(describe(run.results));
    const CheckResult* size = run.find("limits.size");
    REQUIRE(size);
    CHECK(size->verdict == Verdict::pass);
    CHECK(size->details["size"] == 10'000);
    CHECK(size->details["declared"] == 10'001);
    const CheckResult* recipients = run.find("limits.recipients");
    REQUIRE(recipients);
    CHECK(recipients->verdict == Verdict::warn);  // under RFC 5321's 100
    CHECK(recipients->details["limit"] == 5);
    CHECK(recipients->details["refusal_code"] == 452);
    CHECK(world.mx.messages_accepted() == 0);
}

TEST_CASE("limits of a fake MX without PIPELINING", "[probe][limits]") {
    World world;
    const GroupRun run = run_group(run_limits_checks, world.dns, world.target(2));
    INFO(describe(run.results));
    const CheckResult* pipelining = run.find("limits.pipelining");
    REQUIRE(pipelining);
    CHECK(pipelining->verdict == Verdict::warn);
    CHECK(pipelining->details["advertised"] == false);
    CHECK(pipelining->details.contains("refuses_unadvertised_pipelining"));
}
