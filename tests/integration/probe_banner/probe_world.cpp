#include "probe_world.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "harness/dns/resolver.hpp"

namespace relaylab::probe::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr const char* reverse_zone = R"(
$ORIGIN 127.in-addr.arpa.
$TTL 300
@        IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
         IN NS  ns1.example.test.
1.0.0    IN PTR mx.example.test.
3.0.0    IN PTR elsewhere.example.test.
)";

constexpr const char* example_zone = R"(
$ORIGIN example.test.
$TTL 300
@          IN SOA ns1 hostmaster 1 3600 600 86400 60
           IN NS  ns1
ns1        IN A   127.0.0.1
mx         IN A   127.0.0.1
elsewhere  IN A   192.0.2.1
)";

// RFC 5782 5: 127.0.0.2 is listed in every DNSBL (the test point).
constexpr const char* blocklist_zone = R"(
$ORIGIN bl.test.
$TTL 300
@          IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
           IN NS  ns1.example.test.
2.0.0.127  IN A   127.0.0.2
2.0.0.127  IN TXT "127.0.0.2 listed: the RFC 5782 test point"
4.0.0.127  IN A   127.255.255.254
)";

constexpr const char* slow_zone = R"(
$ORIGIN slow.test.
$TTL 300
@          IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
           IN NS  ns1.example.test.
)";

}  // namespace

FixtureDns::FixtureDns() {
    dns::fixture::ZoneSet zones;
    zones.add(dns::fixture::load_zone_text(reverse_zone, "127.in-addr.arpa.zone"));
    zones.add(dns::fixture::load_zone_text(example_zone, "example.test.zone"));
    zones.add(dns::fixture::load_zone_text(blocklist_zone, "bl.test.zone"));
    zones.add(dns::fixture::load_zone_text(slow_zone, "slow.test.zone"));
    auto faults = dns::fixture::parse_fault_rules(
        nlohmann::json::parse(R"([{"name": "*.slow.test", "action": "drop"}])"));
    server_ = std::make_unique<dns::fixture::FixtureServer>(
        io_.get_executor(), dns::fixture::Fixture(std::move(zones), std::move(faults)), "127.0.0.1",
        0);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
}

FixtureDns::~FixtureDns() {
    asio::post(io_, [this] {
        server_->stop();
        io_.stop();
    });
    thread_.join();
}

dns::ResolverConfig FixtureDns::config() const {
    auto config = dns::ResolverConfig::fixture("127.0.0.1", server_->port());
    config.timeout = 500ms;
    config.tries = 1;
    return config;
}

ProbeOptions loopback_options() {
    ProbeOptions options;
    options.domain = "example.test";
    options.rcpt = "postmaster@example.test";
    options.timeouts.connect = 3s;
    options.timeouts.reply = 3s;
    options.timeouts.write = 3s;
    options.timeouts.tls_handshake = 3s;
    options.quiet_wait = 300ms;
    return options;
}

ProbeTarget loopback_target(std::string address, std::uint16_t port) {
    ProbeTarget target;
    target.host = address;
    target.address = std::move(address);
    target.port = port;
    return target;
}

const CheckResult* GroupRun::find(const std::string& name) const {
    for (const auto& r : results) {
        if (r.name == name) return &r;
    }
    return nullptr;
}

GroupRun run_group(GroupFunction group, const FixtureDns& dns, ProbeTarget target,
                   ProbeOptions options) {
    asio::io_context io;
    relaylab::dns::Resolver resolver(io.get_executor(), dns.config());
    ProbeContext context{io.get_executor(), std::move(target), std::move(options), &resolver};
    GroupRun run;
    bool done = false;
    std::exception_ptr error;
    const auto start = std::chrono::steady_clock::now();
    asio::co_spawn(io, group(context), [&](std::exception_ptr e, std::vector<CheckResult> results) {
        error = e;
        run.results = std::move(results);
        done = true;
    });
    io.run_for(run_deadline);
    run.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (error) std::rethrow_exception(error);
    REQUIRE(done);
    return run;
}

std::string describe(const std::vector<CheckResult>& results) {
    std::string out;
    for (const auto& r : results) {
        out += r.name + ": " + std::string(to_string(r.verdict)) + ": " + r.explanation + "\n";
        for (const auto& line : r.evidence)
            out += "    " + line + "\n";
    }
    return out;
}

}  // namespace relaylab::probe::test
