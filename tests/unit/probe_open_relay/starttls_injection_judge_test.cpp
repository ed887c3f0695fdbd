// STARTTLS injection verdicts: a reply inside TLS that nobody asked for is fail, silence is
// pass, plaintext behind the 220 is warn, no STARTTLS is "not applicable" (pass), and a
// dialogue that broke is error naming the step.
#include <catch2/catch.hpp>

#include "probes/policy/starttls_injection_judge.hpp"

using namespace relaylab;
using namespace relaylab::probe;

namespace {

StarttlsInjectionFacts started() {
    StarttlsInjectionFacts facts;
    facts.starttls_offered = true;
    facts.starttls_reply = smtp::make_reply(220, "2.0.0", "Ready to start TLS");
    facts.tls_established = true;
    facts.first_reply_in_tls = smtp::make_reply(250, "", "mx.test");
    facts.quiet_wait_ms = 1500;
    facts.evidence = {"C: STARTTLS", "C: NOOP", "S: 220 2.0.0 Ready to start TLS"};
    return facts;
}

const CheckResult* named(const std::vector<CheckResult>& results, std::string_view name) {
    for (const auto& r : results)
        if (r.name == name) return &r;
    return nullptr;
}

}  // namespace

TEST_CASE("a server that discards the pipelined command passes both", "[starttls_injection]") {
    auto results = judge_starttls_injection(started());
    REQUIRE(results.size() == 2);
    const auto* command = named(results, "starttls-injection");
    const auto* plaintext = named(results, "starttls-injection.plaintext");
    REQUIRE(command);
    REQUIRE(plaintext);
    CHECK(command->verdict == Verdict::pass);
    CHECK(command->explanation.find("1500 ms") != std::string::npos);
    CHECK(plaintext->verdict == Verdict::pass);
    CHECK(command->evidence.size() == 3);
}

TEST_CASE("a reply inside TLS to the injected command fails (CVE-2011-0411)",
          "[starttls_injection]") {
    auto facts = started();
    facts.unrequested_in_tls = {smtp::make_reply(250, "2.0.0", "Ok")};
    SECTION("even when the dialogue broke afterwards") {
        facts.failure = "connection closed";
    }
    SECTION("with the dialogue intact") {}
    auto results = judge_starttls_injection(facts);
    const auto* command = named(results, "starttls-injection");
    REQUIRE(command);
    CHECK(command->verdict == Verdict::fail);
    CHECK(command->explanation.find("executed a command sent before TLS") != std::string::npos);
    CHECK(command->explanation.find("250 2.0.0 Ok") != std::string::npos);
    CHECK(command->details["unrequested_replies_in_tls"].size() == 1);
}

TEST_CASE("plaintext behind the 220 is a warning", "[starttls_injection]") {
    auto facts = started();
    SECTION("a whole reply") {
        facts.plaintext_after_220 = {smtp::make_reply(250, "2.0.0", "Ok")};
    }
    SECTION("part of one") {
        facts.plaintext_partial = true;
    }
    auto results = judge_starttls_injection(facts);
    const auto* plaintext = named(results, "starttls-injection.plaintext");
    REQUIRE(plaintext);
    CHECK(plaintext->verdict == Verdict::warn);
    CHECK(named(results, "starttls-injection")->verdict == Verdict::pass);
}

TEST_CASE("no STARTTLS: not applicable, a pass", "[starttls_injection]") {
    StarttlsInjectionFacts facts;
    facts.starttls_offered = false;
    auto results = judge_starttls_injection(facts);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::pass);
    CHECK(results[0].details["applicable"] == false);
    CHECK(results[0].explanation.find("not applicable") == 0);
}

TEST_CASE("a dialogue that breaks is an error naming the step", "[starttls_injection]") {
    struct Case {
        const char* label;
        bool offered;
        bool got_220;
        const char* step;
        const char* failure;
        std::size_t results;
    };
    auto c = GENERATE(values<Case>({
        {"refused", false, false, "connect", "connection refused (127.0.0.1:1)", 1},
        {"stalled greeting", false, false, "greeting", "timed out waiting for a reply", 1},
        {"closed at STARTTLS", true, false, "STARTTLS", "connection closed by the server", 1},
        {"handshake failed", true, true, "TLS handshake", "TLS handshake failed (not TLS)", 2},
    }));
    INFO(c.label);
    StarttlsInjectionFacts facts;
    facts.starttls_offered = c.offered;
    if (c.got_220) facts.starttls_reply = smtp::make_reply(220, "2.0.0", "Go ahead");
    facts.failed_step = c.step;
    facts.failure = c.failure;
    auto results = judge_starttls_injection(facts);
    REQUIRE(results.size() == c.results);
    CHECK(results[0].name == "starttls-injection");
    CHECK(results[0].verdict == Verdict::error);
    CHECK(results[0].explanation.find(c.step) != std::string::npos);
    CHECK(results[0].explanation.find(c.failure) != std::string::npos);
}

TEST_CASE("STARTTLS advertised but refused is an error with the reply", "[starttls_injection]") {
    StarttlsInjectionFacts facts;
    facts.starttls_offered = true;
    facts.starttls_reply = smtp::make_reply(454, "4.7.0", "TLS not available");
    auto results = judge_starttls_injection(facts);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::error);
    CHECK(results[0].explanation.find("454 4.7.0 TLS not available") != std::string::npos);
}
