// Each condition kind decides whether a rule fires: a rule replying 550 when its one condition
// holds, checked against facts that do and do not satisfy it.
#include <catch2/catch.hpp>

#include "behaviour_fixture.hpp"

using namespace relaylab;
using namespace relaylab::fakemx;
using namespace relaylab::fakemx::test;
using smtp::Phase;

namespace {

// A behaviour whose single rule rejects at `phase` when `match` holds; `phase` is a name or a
// JSON array of names.
BehaviourEngine rejecting(std::string phase, const std::string& match) {
    if (phase.front() != '[') phase = '"' + phase + '"';
    return engine_from(R"({"rules": [{"name": "under test", "phase": )" + phase + R"(, "match": )" +
                       match + R"(, "reply": "550 5.7.1 matched"}]})");
}

bool fires(BehaviourEngine& engine, const Facts& facts) {
    auto out = engine.decide(facts, t0);
    return out.reply && out.reply->code == 550 && out.rule == "under test";
}

}  // namespace

TEST_CASE("sender globs, with <> for the null sender", "[conditions]") {
    auto engine = rejecting("mail", R"({"sender": ["*@spam.test", "<>"]})");
    Session s;
    s.mail_from = "x@SPAM.test";
    CHECK(fires(engine, s.at(Phase::mail)));
    s.mail_from = "";
    CHECK(fires(engine, s.at(Phase::mail)));
    s.mail_from = "x@ham.test";
    CHECK_FALSE(fires(engine, s.at(Phase::mail)));
    s.mail_from = "x@spam.test.example";
    CHECK_FALSE(fires(engine, s.at(Phase::mail)));
}

TEST_CASE("recipient globs: the RCPT decided, then any accepted recipient", "[conditions]") {
    auto engine = rejecting("[\"rcpt\", \"data_end\"]", R"({"recipient": "full?@example.test"})");
    Session s;
    CHECK(fires(engine, s.at(Phase::rcpt, "full1@example.test")));
    CHECK_FALSE(fires(engine, s.at(Phase::rcpt, "full12@example.test")));
    s.recipients = {"ok@example.test", "fullx@example.test"};
    CHECK(fires(engine, s.at(Phase::data_end)));
    s.recipients = {"ok@example.test"};
    CHECK_FALSE(fires(engine, s.at(Phase::data_end)));
}

TEST_CASE("domain globs match the recipient's domain", "[conditions]") {
    auto engine = rejecting("rcpt", R"({"domain": "*.blocked.test"})");
    Session s;
    CHECK(fires(engine, s.at(Phase::rcpt, "a@mx.blocked.test")));
    CHECK_FALSE(fires(engine, s.at(Phase::rcpt, "a@blocked.test")));
    CHECK_FALSE(fires(engine, s.at(Phase::rcpt, "a.blocked.test@other.test")));
}

TEST_CASE("HELO globs", "[conditions]") {
    auto engine = rejecting("helo", R"({"helo": ["localhost", "*.dyn.test"]})");
    Session s;
    s.helo = "LOCALHOST";
    CHECK(fires(engine, s.at(Phase::helo)));
    s.helo = "host-1-2-3-4.dyn.test";
    CHECK(fires(engine, s.at(Phase::helo)));
    s.helo = "mail.example.test";
    CHECK_FALSE(fires(engine, s.at(Phase::helo)));
}

TEST_CASE("client IP: exact, CIDR, IPv6 and IPv4-mapped", "[conditions]") {
    auto engine =
        rejecting("connect", R"({"client_ip": ["198.51.100.7", "10.0.0.0/8", "2001:db8::/32"]})");
    struct Case {
        const char* ip;
        bool want;
    };
    auto c = GENERATE(values<Case>({
        {"198.51.100.7", true},
        {"198.51.100.8", false},
        {"10.255.0.1", true},
        {"11.0.0.1", false},
        {"::ffff:10.1.2.3", true},  // a dual-stack socket's view of an IPv4 client
        {"2001:db8:1::25", true},
        {"2001:db9::25", false},
        {"not an address", false},
    }));
    INFO("client " << c.ip);
    Session s;
    s.client_ip = c.ip;
    CHECK(fires(engine, s.at(Phase::connect)) == c.want);
}

TEST_CASE("connection and message numbers, exact or ranges", "[conditions]") {
    auto exact = rejecting("connect", R"({"connection": 2})");
    auto range = rejecting("mail", R"({"message": {"min": 3, "max": 4}})");
    Session s;
    for (std::uint64_t n = 1; n <= 5; ++n) {
        s.connection_number = n;
        s.message_number = n;
        INFO("n = " << n);
        CHECK(fires(exact, s.at(Phase::connect)) == (n == 2));
        CHECK(fires(range, s.at(Phase::mail)) == (n == 3 || n == 4));
    }
}

TEST_CASE("attempt numbers per (IP, sender, recipient), counted at RCPT", "[conditions]") {
    // Defer the first two attempts of each triplet, then accept.
    auto engine = engine_from(R"({"rules": [{"phase": "rcpt", "match": {"attempt": {"max": 2}},
                                             "reply": "451 4.3.0 try again"}]})");
    Session s;
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "a@example.test"), t0)) == 451);
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "b@example.test"), t0)) == 451);
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "A@example.test"), t0)) == 451);  // case folded
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "a@example.test"), t0)) == 0);
    Session other_ip = s;
    other_ip.client_ip = "192.0.2.99";
    CHECK(code_of(engine.decide(other_ip.at(Phase::rcpt, "a@example.test"), t0)) == 451);
    Session other_sender = s;
    other_sender.mail_from = "zed@sender.test";
    CHECK(code_of(engine.decide(other_sender.at(Phase::rcpt, "a@example.test"), t0)) == 451);
}

TEST_CASE("attempt at data_end is the lowest of the message's recipients", "[conditions]") {
    // Fail end of data on the first attempt only: the retry gets through.
    auto engine = engine_from(R"({"rules": [{"phase": "data_end", "match": {"attempt": 1},
                                             "reply": "451 4.3.0 queue write error"}]})");
    CHECK(engine.decision_phases() ==
          (static_cast<unsigned>(Phase::rcpt) | static_cast<unsigned>(Phase::data_end)));
    Session s;
    s.recipients = {"a@example.test", "b@example.test"};
    for (const auto& r : s.recipients)
        CHECK(code_of(engine.decide(s.at(Phase::rcpt, r), t0)) == 0);
    CHECK(code_of(engine.decide(s.at(Phase::data_end), t0)) == 451);
    for (const auto& r : s.recipients)
        engine.decide(s.at(Phase::rcpt, r), t0);
    CHECK(code_of(engine.decide(s.at(Phase::data_end), t0)) == 0);
}

TEST_CASE("TLS in use or not", "[conditions]") {
    auto engine = rejecting("mail", R"({"tls": false})");
    Session s;
    CHECK(fires(engine, s.at(Phase::mail)));
    s.tls = true;
    CHECK_FALSE(fires(engine, s.at(Phase::mail)));
}

TEST_CASE("authentication verdicts at data_end: DMARC p=reject failures", "[conditions][auth]") {
    auto engine = engine_from(R"({"rules": [{
        "name": "dmarc reject", "phase": "data_end",
        "match": {"dmarc": "fail", "dmarc_policy": "reject"},
        "reply": "550 5.7.26 Unauthenticated email from {sender} is not accepted due to domain's DMARC policy"
    }]})");
    Session s;
    s.with_auth = true;
    s.auth = {"fail", "fail", "fail", "none", "reject"};
    auto out = engine.decide(s.at(Phase::data_end), t0);
    REQUIRE(out.reply);
    CHECK(out.reply->summary() ==
          "550 5.7.26 Unauthenticated email from alice@sender.test is not accepted due to "
          "domain's DMARC policy");
    s.auth.dmarc_policy = "quarantine";
    CHECK(code_of(engine.decide(s.at(Phase::data_end), t0)) == 0);
    s.auth = {"pass", "pass", "PASS", "none", "reject"};
    CHECK(code_of(engine.decide(s.at(Phase::data_end), t0)) == 0);
    s.with_auth = false;  // not evaluated: no verdict matches
    CHECK(code_of(engine.decide(s.at(Phase::data_end), t0)) == 0);
}

TEST_CASE("each verdict condition reads its own method", "[conditions][auth]") {
    struct Case {
        const char* key;
        std::string AuthFacts::*field;
    };
    auto c = GENERATE(values<Case>({
        {"spf", &AuthFacts::spf},
        {"dkim", &AuthFacts::dkim},
        {"dmarc", &AuthFacts::dmarc},
        {"arc", &AuthFacts::arc},
    }));
    INFO(c.key);
    auto engine = rejecting("data_end", std::string(R"({")") + c.key + R"(": "fail"})");
    Session s;
    s.with_auth = true;
    s.auth = AuthFacts{"pass", "pass", "pass", "pass", "none"};
    s.auth.*c.field = "fail";
    CHECK(fires(engine, s.at(Phase::data_end)));
    s.auth = AuthFacts{"fail", "fail", "fail", "fail", "none"};
    s.auth.*c.field = "pass";
    CHECK_FALSE(fires(engine, s.at(Phase::data_end)));
}

TEST_CASE("first N: only the first N matches fire", "[conditions]") {
    auto engine = engine_from(R"({"rules": [{"phase": "connect", "match": {"first": 2},
                                             "reply": "421 4.3.2 not yet"}]})");
    Session s;
    CHECK(code_of(engine.decide(s.at(Phase::connect), t0)) == 421);
    CHECK(code_of(engine.decide(s.at(Phase::connect), t0)) == 421);
    for (int i = 0; i < 5; ++i)
        CHECK(code_of(engine.decide(s.at(Phase::connect), t0)) == 0);
}

TEST_CASE("first N counts only matches of the other conditions", "[conditions]") {
    auto engine = engine_from(R"({"rules": [{"phase": "rcpt",
        "match": {"domain": "a.test", "first": 1}, "reply": "451 4.3.0 once"}]})");
    Session s;
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "x@b.test"), t0)) == 0);
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "x@a.test"), t0)) == 451);
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "x@a.test"), t0)) == 0);
}

TEST_CASE("probability with a seed repeats exactly and hits the rate", "[conditions]") {
    const std::string json = R"({"seed": 99, "rules": [{"phase": "rcpt",
        "match": {"probability": 0.3}, "reply": "451 4.3.0 flaky"}]})";
    auto run = [&](const std::string& text) {
        auto engine = engine_from(text);
        Session s;
        std::vector<bool> hits;
        for (int i = 0; i < 2000; ++i) {
            hits.push_back(code_of(engine.decide(s.at(Phase::rcpt), t0)) == 451);
        }
        return hits;
    };
    auto first = run(json);
    CHECK(first == run(json));
    auto hits = std::count(first.begin(), first.end(), true);
    CHECK(hits > 500);  // 30 % of 2000 is 600; the bounds are > 4 standard deviations away
    CHECK(hits < 700);
    auto reseeded = run(R"({"seed": 100, "rules": [{"phase": "rcpt",
        "match": {"probability": 0.3}, "reply": "451 4.3.0 flaky"}]})");
    CHECK(first != reseeded);
    auto own_seed = run(R"({"seed": 100, "rules": [{"phase": "rcpt", "seed": 5,
        "match": {"probability": 0.3}, "reply": "451 4.3.0 flaky"}]})");
    auto own_seed_again = run(R"({"seed": 1, "rules": [{"phase": "rcpt", "seed": 5,
        "match": {"probability": 0.3}, "reply": "451 4.3.0 flaky"}]})");
    CHECK(own_seed == own_seed_again);  // a rule's own seed ignores the behaviour's
}

TEST_CASE("probability 0 never fires, 1 always", "[conditions]") {
    auto never = rejecting("rcpt", R"({"probability": 0})");
    auto always = rejecting("rcpt", R"({"probability": 1})");
    Session s;
    for (int i = 0; i < 100; ++i) {
        CHECK_FALSE(fires(never, s.at(Phase::rcpt)));
        CHECK(fires(always, s.at(Phase::rcpt)));
    }
}

TEST_CASE("all conditions of a rule must hold", "[conditions]") {
    auto engine =
        rejecting("rcpt", R"({"domain": "a.test", "tls": true, "client_ip": "10.0.0.0/8"})");
    Session s;
    s.client_ip = "10.0.0.1";
    s.tls = true;
    CHECK(fires(engine, s.at(Phase::rcpt, "x@a.test")));
    s.tls = false;
    CHECK_FALSE(fires(engine, s.at(Phase::rcpt, "x@a.test")));
    s.tls = true;
    s.client_ip = "192.0.2.1";
    CHECK_FALSE(fires(engine, s.at(Phase::rcpt, "x@a.test")));
}

TEST_CASE("spamd's score at data_end: a range of points", "[conditions][spam]") {
    auto engine = engine_from(R"({"rules": [{
        "name": "spam", "phase": "data_end", "match": {"spam_score": {"min": 5}},
        "reply": "550 5.7.1 Message rejected as spam"
    }]})");
    Session s;
    auto facts = s.at(Phase::data_end);
    CHECK(code_of(engine.decide(facts, t0)) == 0);  // not scored: no range matches
    facts.spam_score = 4.9;
    CHECK(code_of(engine.decide(facts, t0)) == 0);
    facts.spam_score = 5.0;
    CHECK(code_of(engine.decide(facts, t0)) == 550);
    facts.spam_score = 1000;  // GTUBE
    CHECK(code_of(engine.decide(facts, t0)) == 550);

    auto band = engine_from(R"({"rules": [{
        "phase": "data_end", "match": {"spam_score": {"min": 2, "max": 4}}, "reply": "451 4.7.1 later"
    }]})");
    facts.spam_score = 3;
    CHECK(code_of(band.decide(facts, t0)) == 451);
    facts.spam_score = 4.5;
    CHECK(code_of(band.decide(facts, t0)) == 0);
}

TEST_CASE("spam_score mistakes name the JSON pointer", "[conditions][spam]") {
    CHECK_THROWS_WITH(
        engine_from(R"({"rules": [{"phase": "rcpt", "match": {"spam_score": {"min": 5}},
                                    "reply": "550 5.7.1 no"}]})"),
        Catch::Contains("/rules/0/match/spam_score: this condition is only known at data_end"));
    CHECK_THROWS_WITH(engine_from(R"({"rules": [{"phase": "data_end", "match": {"spam_score": {}},
                                    "reply": "550 5.7.1 no"}]})"),
                      Catch::Contains("/rules/0/match/spam_score: needs \"min\" or \"max\""));
    CHECK_THROWS_WITH(
        engine_from(
            R"({"rules": [{"phase": "data_end", "match": {"spam_score": {"min": 5, "max": 1}},
                     "reply": "550 5.7.1 no"}]})"),
        Catch::Contains("/rules/0/match/spam_score/max: is below"));
}
