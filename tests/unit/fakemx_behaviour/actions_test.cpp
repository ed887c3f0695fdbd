// Each action kind, and how rules combine: delays add up, the first final rule ends evaluation,
// "accept" also skips the built-in mechanisms.
#include <catch2/catch.hpp>

#include "behaviour_fixture.hpp"
#include "fake-mx/behaviour/reply_template.hpp"

using namespace relaylab;
using namespace relaylab::fakemx;
using namespace relaylab::fakemx::test;
using smtp::Phase;
using std::chrono::milliseconds;

TEST_CASE("reply: code, enhanced code, multi-line text with placeholders", "[actions]") {
    auto engine = engine_from(R"j({"rules": [{"name": "policy", "phase": "rcpt", "reply": {
        "code": 550, "enhanced": "5.7.1",
        "text": ["<{recipient}> refused for {client_ip} ({helo})", "sender {sender} at {domain}",
                 "{unknown} stays"]}}]})j");
    Session s;
    auto out = engine.decide(s.at(Phase::rcpt, "bob@example.test"), t0);
    REQUIRE(out.reply);
    CHECK(smtp::format_reply(*out.reply) ==
          "550-5.7.1 <bob@example.test> refused for 192.0.2.10 (client.example.test)\r\n"
          "550-5.7.1 sender alice@sender.test at example.test\r\n"
          "550 5.7.1 {unknown} stays\r\n");
    CHECK(out.rule == "policy");
    CHECK(out.disconnect == Disconnect::none);
}

TEST_CASE("placeholders cannot break the reply framing", "[actions]") {
    auto engine = engine_from(R"({"rules": [{"phase": "helo", "reply": "550 5.7.1 no {helo}"}]})");
    Session s;
    s.helo = "evil\r\n250 ok";
    s.helo += std::string(600, 'x');
    auto out = engine.decide(s.at(Phase::helo), t0);
    REQUIRE(out.reply);
    REQUIRE(out.reply->lines.size() == 1);
    CHECK(out.reply->lines[0].rfind("no evil??250 ok", 0) == 0);
    CHECK(out.reply->lines[0].size() <= max_reply_text);
}

TEST_CASE("delay: fixed, and with jitter inside its bounds", "[actions]") {
    auto fixed = engine_from(R"({"rules": [{"phase": "mail", "delay_ms": 1500}]})");
    Session s;
    auto out = fixed.decide(s.at(Phase::mail), t0);
    CHECK(out.delay == milliseconds(1500));
    CHECK_FALSE(out.reply);  // delay only: the session's default reply

    auto jittered =
        engine_from(R"({"rules": [{"phase": "mail", "delay_ms": 100, "jitter_ms": 50}]})");
    milliseconds low{1000}, high{0};
    for (int i = 0; i < 500; ++i) {
        auto d = jittered.decide(s.at(Phase::mail), t0).delay;
        REQUIRE(d >= milliseconds(100));
        REQUIRE(d <= milliseconds(150));
        low = std::min(low, d);
        high = std::max(high, d);
    }
    CHECK(low < milliseconds(110));  // the jitter really spreads
    CHECK(high > milliseconds(140));
}

TEST_CASE("disconnect before the reply, after it, and in the middle of DATA", "[actions]") {
    auto engine = engine_from(R"({"rules": [
        {"name": "crash", "phase": "data_end", "disconnect": "before_reply"},
        {"name": "bye", "phase": "helo", "reply": "421 4.7.0 go away", "disconnect": "after_reply"},
        {"name": "cut", "phase": "data", "disconnect": "mid_data", "disconnect_after_bytes": 4096}
    ]})");
    Session s;
    auto crash = engine.decide(s.at(Phase::data_end), t0);
    CHECK(crash.disconnect == Disconnect::before_reply);
    CHECK_FALSE(crash.reply);
    auto bye = engine.decide(s.at(Phase::helo), t0);
    CHECK(bye.disconnect == Disconnect::after_reply);
    CHECK(code_of(bye) == 421);
    auto cut = engine.decide(s.at(Phase::data), t0);
    CHECK(cut.disconnect == Disconnect::mid_data);
    CHECK(cut.mid_data_bytes == 4096u);
    CHECK_FALSE(cut.reply);  // the default 354 goes out, then the drop
}

TEST_CASE("tarpit: the reply is drip-fed", "[actions]") {
    auto engine = engine_from(R"({"rules": [{"phase": "connect", "tarpit_ms": 250}]})");
    Session s;
    auto out = engine.decide(s.at(Phase::connect), t0);
    CHECK(out.tarpit_interval == milliseconds(250));
    CHECK_FALSE(out.reply);
    CHECK(out.disconnect == Disconnect::none);
}

TEST_CASE("delaying rules add up until a final rule ends evaluation", "[actions]") {
    auto engine = engine_from(R"({"rules": [
        {"name": "slow", "phase": "rcpt", "delay_ms": 100},
        {"name": "slower", "phase": "rcpt", "delay_ms": 200, "tarpit_ms": 10},
        {"name": "block", "phase": "rcpt", "match": {"domain": "blocked.test"}, "reply": "550 5.7.1 no"},
        {"name": "never reached", "phase": "rcpt", "match": {"domain": "blocked.test"}, "delay_ms": 5000}
    ]})");
    Session s;
    auto out = engine.decide(s.at(Phase::rcpt, "a@blocked.test"), t0);
    CHECK(out.delay == milliseconds(300));
    CHECK(out.tarpit_interval == milliseconds(10));
    CHECK(code_of(out) == 550);
    CHECK(out.rule == "slow, slower, block");
    auto passing = engine.decide(s.at(Phase::rcpt, "a@fine.test"), t0);
    CHECK(passing.delay == milliseconds(300));
    CHECK_FALSE(passing.reply);
}

TEST_CASE("accept stops the rules and skips the built-ins", "[actions]") {
    auto engine = engine_from(R"({
        "greylist": {"min_retry_s": 60, "max_retry_s": 3600},
        "rules": [
            {"name": "trusted", "phase": "rcpt", "match": {"client_ip": "10.0.0.0/8"}, "accept": true},
            {"name": "everyone else", "phase": "rcpt", "match": {"sender": "*@spam.test"},
             "reply": "550 5.7.1 no"}
        ]})");
    Session trusted;
    trusted.client_ip = "10.1.1.1";
    trusted.mail_from = "x@spam.test";
    auto out = engine.decide(trusted.at(Phase::rcpt), t0);
    CHECK(out.is_default());
    CHECK(out.rule == "trusted");
    Session stranger;
    auto greylisted = engine.decide(stranger.at(Phase::rcpt), t0);
    CHECK(code_of(greylisted) == 451);
    CHECK(greylisted.rule == "greylist (first seen)");
}

TEST_CASE("phases without rules cost nothing and answer the default", "[actions]") {
    auto engine = engine_from(R"({"rules": [{"phase": "data_end", "reply": "554 5.6.0 no"}]})");
    CHECK(engine.decision_phases() == static_cast<unsigned>(Phase::data_end));
    Session s;
    CHECK(engine.decide(s.at(Phase::rcpt), t0).is_default());
    CHECK(engine.decide(s.at(Phase::quit), t0).rule.empty());
}

TEST_CASE("a rule may cover several phases", "[actions]") {
    auto engine = engine_from(
        R"({"rules": [{"phase": ["mail", "quit"], "reply": "421 4.3.2 shutting down", "disconnect": "after_reply"}]})");
    Session s;
    CHECK(code_of(engine.decide(s.at(Phase::mail), t0)) == 421);
    CHECK(code_of(engine.decide(s.at(Phase::quit), t0)) == 421);
    CHECK(code_of(engine.decide(s.at(Phase::rcpt), t0)) == 0);
}

TEST_CASE("no enhanced codes when ENHANCEDSTATUSCODES is not advertised", "[actions]") {
    auto engine = engine_from(R"({"extensions": {"ENHANCEDSTATUSCODES": false},
        "rules": [{"phase": "rcpt", "reply": "550 5.1.1 No such user"}]})");
    Session s;
    auto out = engine.decide(s.at(Phase::rcpt), t0);
    REQUIRE(out.reply);
    CHECK(smtp::format_reply(*out.reply) == "550 No such user\r\n");
}
