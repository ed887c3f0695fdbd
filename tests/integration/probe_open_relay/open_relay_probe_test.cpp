// The open-relay check against relaylab's fake MX: as shipped it is a catch-all sink, which a
// probe must call an open relay; configured like Postfix's relay restrictions it must pass.
// And a server that hangs up or stalls gives error, in bounded time.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "fake-mx/receiver/fake_mx.hpp"
#include "probe_run.hpp"
#include "probes/policy/open_relay_checks.hpp"
#include "scripted_server.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace relaylab::probe::testing;

namespace {

std::unique_ptr<fakemx::FakeMx> start_fake_mx(const std::string& name,
                                              const nlohmann::json& behaviour) {
    fakemx::FakeMxConfig config;
    config.hosts.push_back({name, "127.0.0.1", 0, fakemx::parse_behaviour(behaviour, "test")});
    auto mx = std::make_unique<fakemx::FakeMx>(std::move(config));
    mx->start();
    return mx;
}

// Postfix's smtpd_relay_restrictions in fake-MX rules: recipients in the local domain only,
// and none whose local part hides another address (Postfix resolves %, !, quotes and a second
// @ before deciding, allow_percent_hack / swap_bangpath / resolve_dequoted_address).
const nlohmann::json closed_relay = nlohmann::json::parse(R"({
  "rules": [
    {"name": "hidden routing", "phase": "rcpt",
     "match": {"recipient": ["*%*", "*!*", "*\"*", "*@*@*"]},
     "reply": "554 5.7.1 <{recipient}>: Relay access denied"},
    {"name": "local domain", "phase": "rcpt", "match": {"domain": "mx.local.test"}, "accept": true},
    {"name": "no relaying", "phase": "rcpt", "reply": "554 5.7.1 <{recipient}>: Relay access denied"}
  ]})");

}  // namespace

TEST_CASE("the fake MX as shipped accepts every trick: an open relay", "[probe_open_relay]") {
    auto mx = start_fake_mx("mx.open.test", nlohmann::json::object());
    // No --domain: the local domain is the name the server gives in its EHLO reply.
    auto results = run_group(run_open_relay_checks, mx->port(0));
    INFO(dump(results));
    const auto& summary = result_named(results, "open-relay");
    CHECK(summary.verdict == Verdict::fail);
    CHECK(summary.details["local_domain"] == "mx.open.test");
    CHECK(summary.details["local_domain_source"] == "EHLO");
    CHECK(summary.details["skipped"].empty());
    const auto& foreign = result_named(results, "open-relay.foreign-sender");
    CHECK(foreign.verdict == Verdict::fail);
    // The evidence is the trick's own dialogue, RSET included, and no DATA anywhere.
    CHECK(foreign.evidence.front() == "C: MAIL FROM:<probe@relaylab.test>");
    CHECK(std::find(foreign.evidence.begin(), foreign.evidence.end(),
                    "C: RCPT TO:<relaytest@relay-test.example>") != foreign.evidence.end());
    CHECK(std::find(foreign.evidence.begin(), foreign.evidence.end(), "C: RSET") !=
          foreign.evidence.end());
    for (const auto& r : results) {
        for (const auto& line : r.evidence)
            CHECK(line != "C: DATA");
    }
    CHECK(mx->messages_accepted() == 0);
    // Forms the server's own address parser refuses (no domain, two @) are refusals: pass.
    CHECK(result_named(results, "open-relay.bang-path").verdict == Verdict::pass);
    CHECK(result_named(results, "open-relay.double-at").verdict == Verdict::pass);
    CHECK(result_named(results, "open-relay.percent-hack").verdict == Verdict::fail);
}

TEST_CASE("the fake MX as a closed relay refuses every trick: pass", "[probe_open_relay]") {
    auto mx = start_fake_mx("mx.local.test", closed_relay);
    auto options = loopback_options();
    options.domain = "mx.local.test";
    auto results = run_group(run_open_relay_checks, mx->port(0), options);
    INFO(dump(results));
    const auto& summary = result_named(results, "open-relay");
    CHECK(summary.verdict == Verdict::pass);
    CHECK(summary.details["local_domain_source"] == "--domain");
    CHECK(summary.details["tricks_tried"] == 15);
    CHECK(results.size() == 16);
    for (const auto& r : results)
        CHECK(r.verdict == Verdict::pass);
    const auto& percent = result_named(results, "open-relay.percent-hack");
    CHECK(percent.explanation.find("Relay access denied") != std::string::npos);
    CHECK(percent.details["rcpt_reply"]["code"] == 554);
}

TEST_CASE("a greylisting server leaves the open-relay check undecided: warn",
          "[probe_open_relay]") {
    auto mx = start_fake_mx("mx.grey.test", nlohmann::json::parse(R"({"greylist": {}})"));
    auto results = run_group(run_open_relay_checks, mx->port(0));
    INFO(dump(results));
    CHECK(result_named(results, "open-relay").verdict == Verdict::warn);
    CHECK(result_named(results, "open-relay.foreign-sender").verdict == Verdict::warn);
}

TEST_CASE("a server that hangs up or stalls gives error, not a hang", "[probe_open_relay]") {
    SECTION("closed after the greeting") {
        ScriptedServer server(Script::close_after_greeting);
        auto results = run_group(run_open_relay_checks, server.port());
        INFO(dump(results));
        REQUIRE(results.size() == 1);
        CHECK(results[0].verdict == Verdict::error);
        CHECK(results[0].explanation.find("connection closed by the server") != std::string::npos);
    }
    SECTION("silent") {
        ScriptedServer server(Script::silent);
        auto options = loopback_options();
        options.timeouts.reply = std::chrono::milliseconds(300);
        const auto started = std::chrono::steady_clock::now();
        auto results = run_group(run_open_relay_checks, server.port(), options);
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        REQUIRE(results.size() == 1);
        CHECK(results[0].verdict == Verdict::error);
        CHECK(results[0].explanation.find("timed out") != std::string::npos);
    }
    SECTION("nobody listening") {
        std::uint16_t port;
        {
            ScriptedServer server(Script::silent);
            port = server.port();
            // Connect once so the server thread ends; then the port is closed.
            boost::asio::io_context io;
            boost::asio::ip::tcp::socket s(io);
            s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
        }
        auto results = run_group(run_open_relay_checks, port);
        REQUIRE(results.size() == 1);
        CHECK(results[0].verdict == Verdict::error);
        CHECK(results[0].explanation.find("connection refused") != std::string::npos);
    }
}
