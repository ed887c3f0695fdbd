// The ptr and dnsbl groups against the fixture DNS, with fake MX hosts on 127.0.0.1-3 for the
// greeting names: PTR confirmed, PTR confirmed but the greeting names another host, no PTR,
// PTR not confirmed; a DNSBL zone listing 127.0.0.2, one refusing with 127.255.255.254, one
// that never answers.
#include <catch2/catch.hpp>

#include "fake-mx/receiver/fake_mx.hpp"
#include "probe_world.hpp"
#include "probes/policy/dns_reputation_checks.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace relaylab::probe::test;
using namespace std::chrono_literals;

namespace {

fakemx::HostConfig host(std::string name, std::string address) {
    fakemx::HostConfig config;
    config.name = std::move(name);
    config.address = std::move(address);
    return config;
}

struct World {
    FixtureDns dns;
    fakemx::FakeMx mx;
    World()
        : mx([] {
              fakemx::FakeMxConfig config;
              config.hosts = {host("mx.example.test", "127.0.0.1"),
                              host("mail.other.test", "127.0.0.1"),
                              host("noptr.example.test", "127.0.0.2"),
                              host("elsewhere.example.test", "127.0.0.3")};
              return config;
          }()) {
        mx.start();
    }
    ~World() { mx.stop(); }
    ProbeTarget target(std::size_t host) {
        const std::string addresses[] = {"127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.3"};
        return loopback_target(addresses[host], mx.port(host));
    }
};

ProbeOptions with_zones(std::vector<std::string> zones) {
    ProbeOptions options = loopback_options();
    options.dnsbl_zones = std::move(zones);
    return options;
}

}  // namespace

TEST_CASE("ptr: present, forward-confirmed, named in the greeting", "[probe][ptr]") {
    World world;
    const GroupRun run = run_group(run_ptr_checks, world.dns, world.target(0));
    INFO(describe(run.results));
    const CheckResult* ptr = run.find("ptr");
    REQUIRE(ptr);
    CHECK(ptr->verdict == Verdict::pass);
    CHECK(ptr->details["names"] == nlohmann::json({"mx.example.test"}));
    CHECK(ptr->evidence == std::vector<std::string>{"1.0.0.127.in-addr.arpa PTR mx.example.test",
                                                    "mx.example.test A 127.0.0.1"});
    const CheckResult* hostname = run.find("ptr.hostname");
    REQUIRE(hostname);
    CHECK(hostname->verdict == Verdict::pass);
}

TEST_CASE("ptr: confirmed, but the greeting names another host", "[probe][ptr]") {
    World world;
    const GroupRun run = run_group(run_ptr_checks, world.dns, world.target(1));
    INFO(describe(run.results));
    CHECK(run.find("ptr")->verdict == Verdict::pass);
    const CheckResult* hostname = run.find("ptr.hostname");
    REQUIRE(hostname);
    CHECK(hostname->verdict == Verdict::warn);
    CHECK(hostname->details["greeting_name"] == "mail.other.test");
}

TEST_CASE("ptr: missing", "[probe][ptr]") {
    World world;
    const GroupRun run = run_group(run_ptr_checks, world.dns, world.target(2));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].name == "ptr");
    CHECK(run.results[0].verdict == Verdict::fail);
    CHECK(run.results[0].details["status"] == "nxdomain");
}

TEST_CASE("ptr: not forward-confirmed", "[probe][ptr]") {
    World world;
    const GroupRun run = run_group(run_ptr_checks, world.dns, world.target(3));
    INFO(describe(run.results));
    const CheckResult* ptr = run.find("ptr");
    REQUIRE(ptr);
    CHECK(ptr->verdict == Verdict::fail);
    CHECK(ptr->explanation.find("not forward-confirmed") != std::string::npos);
    CHECK(std::find(ptr->evidence.begin(), ptr->evidence.end(),
                    "elsewhere.example.test A 192.0.2.1") != ptr->evidence.end());
}

TEST_CASE("dnsbl: 127.0.0.2 is listed with its reason", "[probe][dnsbl]") {
    FixtureDns dns;
    const GroupRun run =
        run_group(run_dnsbl_checks, dns, loopback_target("127.0.0.2", 25), with_zones({"bl.test"}));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    const CheckResult& result = run.results[0];
    CHECK(result.name == "dnsbl.bl.test");
    CHECK(result.verdict == Verdict::fail);
    CHECK(result.details["listed"] == true);
    CHECK(result.details["answers"] == nlohmann::json({"127.0.0.2"}));
    CHECK(std::find(result.evidence.begin(), result.evidence.end(),
                    "2.0.0.127.bl.test TXT 127.0.0.2 listed: the RFC 5782 test point") !=
          result.evidence.end());
}

TEST_CASE("dnsbl: 127.0.0.1 is not listed; zones answer in order", "[probe][dnsbl]") {
    FixtureDns dns;
    const GroupRun run = run_group(run_dnsbl_checks, dns, loopback_target("127.0.0.1", 25),
                                   with_zones({"bl.test", "BL.TEST."}));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 2);
    for (const auto& result : run.results) {
        CHECK(result.name == "dnsbl.bl.test");
        CHECK(result.verdict == Verdict::pass);
        CHECK(result.details["query"] == "1.0.0.127.bl.test");
    }
}

TEST_CASE("dnsbl: a zone error code is an error, not a listing", "[probe][dnsbl]") {
    FixtureDns dns;
    const GroupRun run =
        run_group(run_dnsbl_checks, dns, loopback_target("127.0.0.4", 25), with_zones({"bl.test"}));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].verdict == Verdict::error);
    CHECK(run.results[0].details["listed"] == false);
}

TEST_CASE("dnsbl: a zone that never answers is an error within the resolver's deadline",
          "[probe][dnsbl]") {
    FixtureDns dns;
    const GroupRun run = run_group(run_dnsbl_checks, dns, loopback_target("127.0.0.2", 25),
                                   with_zones({"slow.test", "bl.test", "not a zone"}));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 3);
    CHECK(run.results[0].name == "dnsbl.slow.test");
    CHECK(run.results[0].verdict == Verdict::error);
    CHECK(run.results[0].details["status"] == "timeout");
    // The next zone is still asked.
    CHECK(run.results[1].verdict == Verdict::fail);
    CHECK(run.results[2].verdict == Verdict::error);
    CHECK(run.elapsed < 10s);
}

TEST_CASE("ptr: a reverse zone that never answers is an error", "[probe][ptr]") {
    FixtureDns dns;
    // Nothing listens for 10.x in the fixture: it answers REFUSED (no zone), an error, not a fail.
    const GroupRun run = run_group(run_ptr_checks, dns, loopback_target("10.0.0.1", 25));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].verdict == Verdict::error);
}
