// run_mta_sts_checks and run_tls_rpt_checks against the fixture DNS and the HTTPS fixture policy
// host on loopback: each domain of mta_sts_world.hpp gives the verdicts a mail engineer expects,
// and a policy host that is down, stalls or presents an untrusted certificate is a fail with
// the reason, within the configured time.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>

#include "harness/dns/resolver.hpp"
#include "probes/transport/mta_sts_checks.hpp"
#include "tests/integration/probe_mta_sts/mta_sts_world.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr auto test_deadline = 30s;  // far beyond loopback; reaching it means a hang

using Group = asio::awaitable<std::vector<CheckResult>> (*)(ProbeContext&);

std::map<std::string, CheckResult> run_group(const test::MtaStsWorld& world, Group group,
                                             const std::string& domain,
                                             const std::function<void(ProbeOptions&)>& tweak = {},
                                             std::function<void(asio::io_context&)> before = {}) {
    asio::io_context io;
    dns::Resolver resolver(io.get_executor(), world.resolver_config());
    ProbeContext context;
    context.executor = io.get_executor();
    context.target.host = "127.0.0.1";
    context.target.address = "127.0.0.1";
    context.options.domain = domain;
    context.options.ca_file = world.ca_file();
    context.options.mta_sts_port = world.https_port();
    context.options.timeouts.connect = 2s;
    context.options.timeouts.tls_handshake = 2s;
    context.options.timeouts.reply = 2s;
    if (tweak) tweak(context.options);
    context.resolver = &resolver;
    if (before) before(io);

    std::optional<std::vector<CheckResult>> results;
    std::exception_ptr error;
    asio::co_spawn(io, group(context), [&](std::exception_ptr e, std::vector<CheckResult> r) {
        error = e;
        if (!e) results = std::move(r);
        io.stop();
    });
    io.run_for(test_deadline);
    if (error) std::rethrow_exception(error);
    REQUIRE(results);
    std::map<std::string, CheckResult> by_name;
    for (auto& result : *results) {
        INFO(result.name << ": " << to_string(result.verdict) << " " << result.explanation);
        CHECK_FALSE(result.explanation.empty());
        by_name[result.name] = result;
    }
    return by_name;
}

std::string describe(const CheckResult& result) {
    std::string text = std::string(to_string(result.verdict)) + ": " + result.explanation;
    for (const auto& line : result.evidence)
        text += "\n  " + line;
    return text;
}

}  // namespace

TEST_CASE("mta-sts: a good enforce policy covering every MX passes", "[mta-sts][integration]") {
    test::MtaStsWorld world;
    auto results = run_group(world, run_mta_sts_checks, "good.probe.test");
    REQUIRE(results.size() == 3);
    for (const char* name : {"mta-sts.record", "mta-sts.policy", "mta-sts.mx-match"}) {
        INFO(name << " " << describe(results[name]));
        CHECK(results[name].verdict == Verdict::pass);
    }
    const auto& policy = results["mta-sts.policy"];
    auto has = [&](const std::string& line) {
        return std::find(policy.evidence.begin(), policy.evidence.end(), line) !=
               policy.evidence.end();
    };
    CHECK(has("HTTP/1.1 200 OK"));
    CHECK(has("| mode: enforce"));
    CHECK(policy.details["policy"]["mx"][0] == "*.good.probe.test");
    CHECK(results["mta-sts.record"].evidence.at(0) ==
          "TXT _mta-sts.good.probe.test \"v=STSv1; id=20240101T000000\"");
    CHECK(world.host().requests_served() == 1);
}

TEST_CASE("mta-sts: an MX the enforce policy does not cover fails", "[mta-sts][integration]") {
    test::MtaStsWorld world;
    auto results = run_group(world, run_mta_sts_checks, "stray.probe.test");
    INFO(describe(results["mta-sts.mx-match"]));
    CHECK(results["mta-sts.policy"].verdict == Verdict::pass);
    CHECK(results["mta-sts.mx-match"].verdict == Verdict::fail);
    CHECK_THAT(results["mta-sts.mx-match"].explanation, Catch::Contains("mx.other.example"));
}

TEST_CASE("mta-sts: testing mode warns", "[mta-sts][integration]") {
    test::MtaStsWorld world;
    auto results = run_group(world, run_mta_sts_checks, "testing.probe.test");
    INFO(describe(results["mta-sts.policy"]));
    CHECK(results["mta-sts.policy"].verdict == Verdict::warn);
    CHECK(results["mta-sts.mx-match"].verdict == Verdict::pass);
}

TEST_CASE("mta-sts: no record warns and fetches nothing", "[mta-sts][integration]") {
    test::MtaStsWorld world;
    auto results = run_group(world, run_mta_sts_checks, "nosts.probe.test");
    REQUIRE(results.size() == 1);
    CHECK(results["mta-sts.record"].verdict == Verdict::warn);
    CHECK_THAT(results["mta-sts.record"].explanation, Catch::Contains("no MTA-STS"));
    CHECK(world.host().requests_served() == 0);
}

TEST_CASE("mta-sts: a policy host that is down fails with the reason", "[mta-sts][integration]") {
    test::MtaStsWorld world;
    std::uint16_t closed_port = 0;
    {
        asio::io_context io;
        asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
        closed_port = probe.local_endpoint().port();
    }
    auto results = run_group(world, run_mta_sts_checks, "good.probe.test",
                             [&](ProbeOptions& o) { o.mta_sts_port = closed_port; });
    REQUIRE(results.size() == 2);
    INFO(describe(results["mta-sts.policy"]));
    CHECK(results["mta-sts.record"].verdict == Verdict::pass);
    CHECK(results["mta-sts.policy"].verdict == Verdict::fail);
    CHECK_THAT(results["mta-sts.policy"].explanation, Catch::Contains("connection refused"));
}

TEST_CASE("mta-sts: a policy host that stalls fails within the handshake timeout",
          "[mta-sts][integration]") {
    test::MtaStsWorld world;
    // Accepts and never speaks: the TLS handshake waits for a ServerHello that never comes.
    auto stall_io = std::make_shared<asio::io_context>();
    asio::ip::tcp::acceptor silent(*stall_io, {asio::ip::make_address("127.0.0.1"), 0});
    std::vector<asio::ip::tcp::socket> held;
    std::function<void()> accept_next = [&] {
        silent.async_accept([&](boost::system::error_code ec, asio::ip::tcp::socket socket) {
            if (ec) return;
            held.push_back(std::move(socket));
            accept_next();
        });
    };
    accept_next();
    std::thread stall_thread([stall_io] { stall_io->run_for(20s); });
    auto port = silent.local_endpoint().port();
    auto started = std::chrono::steady_clock::now();
    auto results = run_group(world, run_mta_sts_checks, "good.probe.test", [&](ProbeOptions& o) {
        o.mta_sts_port = port;
        o.timeouts.tls_handshake = 300ms;
    });
    auto elapsed = std::chrono::steady_clock::now() - started;
    stall_io->stop();
    stall_thread.join();
    INFO(describe(results["mta-sts.policy"]));
    CHECK(results["mta-sts.policy"].verdict == Verdict::fail);
    CHECK_THAT(results["mta-sts.policy"].explanation, Catch::Contains("timed out"));
    CHECK(elapsed < 10s);
}

TEST_CASE("mta-sts: a certificate from an untrusted CA fails", "[mta-sts][integration]") {
    test::MtaStsWorld world;
    auto results = run_group(world, run_mta_sts_checks, "good.probe.test",
                             [&](ProbeOptions& o) { o.ca_file = world.other_ca_file(); });
    INFO(describe(results["mta-sts.policy"]));
    CHECK(results["mta-sts.policy"].verdict == Verdict::fail);
    CHECK_THAT(results["mta-sts.policy"].explanation, Catch::Contains("TLS handshake failed"));
}

TEST_CASE("mta-sts: a redirect is not followed and fails", "[mta-sts][integration]") {
    test::MtaStsWorld world;
    auto results = run_group(world, run_mta_sts_checks, "redirect.probe.test");
    INFO(describe(results["mta-sts.policy"]));
    CHECK(results["mta-sts.policy"].verdict == Verdict::fail);
    CHECK_THAT(results["mta-sts.policy"].explanation, Catch::Contains("301"));
    CHECK(results.count("mta-sts.mx-match") == 0);
}

TEST_CASE("mta-sts: a host that serves no such site fails (it presents another name)",
          "[mta-sts][integration]") {
    test::MtaStsWorld world;
    auto results = run_group(world, run_mta_sts_checks, "nosite.probe.test");
    INFO(describe(results["mta-sts.policy"]));
    // The fixture host falls back to its first site's certificate, which names another host.
    CHECK(results["mta-sts.policy"].verdict == Verdict::fail);
    CHECK_THAT(results["mta-sts.policy"].explanation, Catch::Contains("host name mismatch"));
}

TEST_CASE("tls-rpt: valid, missing and malformed records", "[tls-rpt][integration]") {
    test::MtaStsWorld world;
    struct Case {
        const char* domain;
        Verdict want;
    };
    for (auto c : {Case{"good.probe.test", Verdict::pass}, Case{"nosts.probe.test", Verdict::warn},
                   Case{"badrpt.probe.test", Verdict::fail}}) {
        auto results = run_group(world, run_tls_rpt_checks, c.domain);
        INFO(c.domain << " " << describe(results["tls-rpt"]));
        REQUIRE(results.size() == 1);
        CHECK(results["tls-rpt"].verdict == c.want);
    }
}
