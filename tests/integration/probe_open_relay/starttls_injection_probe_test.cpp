// The STARTTLS injection check against servers with and without the CVE-2011-0411 bug, and
// against relaylab's own SMTP server (the fake MX), which must discard what a client pipelined
// after STARTTLS.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fake-mx/receiver/fake_mx.hpp"
#include "probe_run.hpp"
#include "probes/policy/starttls_injection_check.hpp"
#include "scripted_server.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace relaylab::probe::testing;

namespace {

std::vector<CheckResult> probe_script(Script script) {
    ScriptedServer server(script);
    return run_group(run_starttls_injection_checks, server.port());
}

}  // namespace

TEST_CASE("a server that runs the command pipelined after STARTTLS inside TLS fails",
          "[probe_starttls_injection]") {
    auto script = GENERATE(Script::injection_vulnerable, Script::injection_vulnerable_lazy);
    auto results = probe_script(script);
    INFO(dump(results));
    const auto& command = result_named(results, "starttls-injection");
    CHECK(command.verdict == Verdict::fail);
    CHECK(command.explanation.find("executed a command sent before TLS") != std::string::npos);
    CHECK(command.details["tls_established"] == true);
    // The evidence shows both lines went in one write, and the reply inside TLS.
    CHECK(std::find(command.evidence.begin(), command.evidence.end(), "C: NOOP") !=
          command.evidence.end());
    CHECK(result_named(results, "starttls-injection.plaintext").verdict == Verdict::pass);
}

TEST_CASE("a server that discards it passes", "[probe_starttls_injection]") {
    auto results = probe_script(Script::injection_safe);
    INFO(dump(results));
    CHECK(result_named(results, "starttls-injection").verdict == Verdict::pass);
    CHECK(result_named(results, "starttls-injection.plaintext").verdict == Verdict::pass);
}

TEST_CASE("a server that answers it in plaintext behind the 220 warns",
          "[probe_starttls_injection]") {
    auto results = probe_script(Script::plaintext_after_220);
    INFO(dump(results));
    const auto& plaintext = result_named(results, "starttls-injection.plaintext");
    CHECK(plaintext.verdict == Verdict::warn);
    CHECK(plaintext.details["replies_after_220"] == nlohmann::json::array({"250 2.0.0 Ok"}));
    CHECK(result_named(results, "starttls-injection").verdict == Verdict::pass);
}

TEST_CASE("servers that break the dialogue give error in bounded time",
          "[probe_starttls_injection]") {
    auto results = probe_script(Script::close_after_greeting);
    INFO(dump(results));
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::error);
    CHECK(results[0].details["failed_step"] == "EHLO");
}

TEST_CASE("relaylab's own SMTP server discards input pipelined after STARTTLS",
          "[probe_starttls_injection]") {
    fakemx::FakeMxConfig config;
    config.hosts.push_back(
        {"mx.fake.test", "127.0.0.1", 0, fakemx::parse_behaviour(nlohmann::json::object(), "t")});
    fakemx::FakeMx mx(std::move(config));
    mx.start();
    auto results = run_group(run_starttls_injection_checks, mx.port(0));
    INFO(dump(results));
    CHECK(result_named(results, "starttls-injection").verdict == Verdict::pass);
    CHECK(result_named(results, "starttls-injection.plaintext").verdict == Verdict::pass);
}

TEST_CASE("no STARTTLS offered: not applicable, pass", "[probe_starttls_injection]") {
    fakemx::FakeMxConfig config;
    config.hosts.push_back(
        {"mx.plain.test", "127.0.0.1", 0,
         fakemx::parse_behaviour(nlohmann::json::parse(R"({"tls": {"certificate": "none"}})"),
                                 "t")});
    fakemx::FakeMx mx(std::move(config));
    mx.start();
    auto results = run_group(run_starttls_injection_checks, mx.port(0));
    INFO(dump(results));
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::pass);
    CHECK(results[0].details["applicable"] == false);
}
