// Open-relay verdicts: per trick from the MAIL and RCPT replies (accepted = fail, 4xx = warn,
// 5xx = pass, no reply = error with the dialogue's reason), and the summary over the tricks.
#include <catch2/catch.hpp>

#include "probes/policy/open_relay_judge.hpp"

using namespace relaylab;
using namespace relaylab::probe;

namespace {

RelayTrick percent_hack() {
    return {"percent-hack", "the % hack behind the local domain", "<probe@relaylab.test>",
            "<relaytest%relay-test.example@mx.local.test>"};
}

std::optional<smtp::Reply> reply(int code, const char* enhanced, const char* text) {
    return smtp::make_reply(code, enhanced, text);
}

CheckResult trick_result(const char* name, Verdict verdict) {
    return make_result(std::string("open-relay.") + name, verdict, "x");
}

}  // namespace

TEST_CASE("a trick is judged on the first refusal, else on RCPT", "[open_relay]") {
    struct Case {
        const char* label;
        std::optional<smtp::Reply> mail;
        std::optional<smtp::Reply> rcpt;
        const char* failure;
        Verdict want;
        const char* outcome;
        const char* in_explanation;
    };
    auto c = GENERATE(values<Case>({
        {"RCPT accepted", reply(250, "2.1.0", "Ok"), reply(250, "2.1.5", "Ok"), "", Verdict::fail,
         "accepted", "250 2.1.5 Ok"},
        {"RCPT relay denied", reply(250, "2.1.0", "Ok"),
         reply(554, "5.7.1", "<relaytest%relay-test.example@mx.local.test>: Relay access denied"),
         "", Verdict::pass, "refused", "Relay access denied"},
        {"RCPT syntax error", reply(250, "2.1.0", "Ok"), reply(501, "5.1.3", "Bad address syntax"),
         "", Verdict::pass, "refused", "501 5.1.3"},
        {"RCPT greylisted", reply(250, "2.1.0", "Ok"), reply(451, "4.7.1", "Greylisted"), "",
         Verdict::warn, "deferred", "greylisting"},
        {"MAIL refused", reply(553, "5.7.1", "Sender rejected"), std::nullopt, "", Verdict::pass,
         "refused", "at MAIL"},
        {"MAIL deferred", reply(421, "4.3.2", "Shutting down"), std::nullopt, "", Verdict::warn,
         "deferred", "at MAIL"},
        {"timeout at RCPT", reply(250, "2.1.0", "Ok"), std::nullopt,
         "timed out waiting for a reply (after 30000 ms)", Verdict::error, "error", "timed out"},
        {"closed before MAIL", std::nullopt, std::nullopt, "connection closed by the server",
         Verdict::error, "error", "closed"},
    }));
    INFO(c.label);
    TrickOutcome outcome;
    outcome.trick = percent_hack();
    outcome.mail_reply = c.mail;
    outcome.rcpt_reply = c.rcpt;
    outcome.failure = c.failure;
    outcome.evidence = {"C: MAIL FROM:<probe@relaylab.test>", "S: 250 2.1.0 Ok"};
    const CheckResult r = judge_relay_trick(outcome);
    CHECK(r.name == "open-relay.percent-hack");
    CHECK(r.verdict == c.want);
    CHECK(r.details["outcome"] == c.outcome);
    CHECK(r.explanation.find(c.in_explanation) != std::string::npos);
    CHECK(r.explanation.find('\n') == std::string::npos);
    CHECK(r.evidence == outcome.evidence);
    CHECK(r.details["rcpt_to"] == "<relaytest%relay-test.example@mx.local.test>");
}

TEST_CASE("the summary is the worst trick and names the accepted ones", "[open_relay]") {
    OpenRelaySummaryFacts facts;
    facts.local_domain = "mx.local.test";
    facts.local_domain_source = "--domain";
    facts.foreign_domain = "relay-test.example";

    SECTION("all refused: pass") {
        auto s = summarize_open_relay({trick_result("foreign-sender", Verdict::pass),
                                       trick_result("bang-path", Verdict::pass)},
                                      facts);
        CHECK(s.name == "open-relay");
        CHECK(s.verdict == Verdict::pass);
        CHECK(s.explanation ==
              "not an open relay: refused all 2 relay tricks for relay-test.example");
        CHECK(s.details["refused"].size() == 2);
    }
    SECTION("one accepted among refusals and errors: fail, named") {
        auto s = summarize_open_relay({trick_result("foreign-sender", Verdict::pass),
                                       trick_result("percent-hack", Verdict::fail),
                                       trick_result("bang-path", Verdict::error)},
                                      facts);
        CHECK(s.verdict == Verdict::fail);
        CHECK(s.explanation.find("open relay: accepted 1 of 3") == 0);
        CHECK(s.explanation.find("percent-hack") != std::string::npos);
        CHECK(s.details["accepted"] == nlohmann::json::array({"percent-hack"}));
        CHECK(s.details["errors"] == nlohmann::json::array({"bang-path"}));
    }
    SECTION("deferred only: warn, undecided") {
        auto s = summarize_open_relay({trick_result("foreign-sender", Verdict::warn),
                                       trick_result("null-sender", Verdict::pass)},
                                      facts);
        CHECK(s.verdict == Verdict::warn);
        CHECK(s.explanation.find("undecided") != std::string::npos);
    }
    SECTION("an error outweighs deferrals") {
        auto s = summarize_open_relay({trick_result("foreign-sender", Verdict::warn),
                                       trick_result("null-sender", Verdict::error)},
                                      facts);
        CHECK(s.verdict == Verdict::error);
        CHECK(s.explanation.find("null-sender") != std::string::npos);
    }
    SECTION("no tricks at all: error, and skipped tricks are reported") {
        facts.skipped = {{"percent-hack", "no local domain"}};
        auto s = summarize_open_relay({}, facts);
        CHECK(s.verdict == Verdict::error);
        CHECK(s.details["skipped"].size() == 1);
        CHECK(s.explanation.find("1 tricks not tried") != std::string::npos);
    }
}

TEST_CASE("a check that could not start is one error with the evidence", "[open_relay]") {
    auto r = open_relay_not_tested("connection refused (127.0.0.1:1)",
                                   {"-- connection refused (127.0.0.1:1)"});
    CHECK(r.name == "open-relay");
    CHECK(r.verdict == Verdict::error);
    CHECK(r.explanation == "could not test relaying: connection refused (127.0.0.1:1)");
    CHECK(r.evidence.size() == 1);
}
