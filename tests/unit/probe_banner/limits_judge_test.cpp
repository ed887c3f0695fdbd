// The limits group's judges: SIZE refusal, recipients per message, pipelining.
#include <catch2/catch.hpp>

#include "probes/policy/limits_judge.hpp"
#include "reply_builder.hpp"

using namespace relaylab::probe;
using relaylab::probe::test::reply;

TEST_CASE("declared size over the advertised limit", "[limits][size]") {
    struct Case {
        const char* label;
        SizeFacts facts;
        Verdict want;
        const char* phrase;
    };
    const Case cases[] = {
        {"552 5.3.4 (Postfix)",
         {true, 1000, "", 1001, reply("552 5.3.4 Message size exceeds fixed limit")},
         Verdict::pass,
         "refused"},
        {"other 5xx", {true, 1000, "", 1001, reply("550 too big")}, Verdict::pass, "RFC 1870"},
        {"4xx",
         {true, 1000, "", 1001, reply("452 4.3.1 Insufficient system storage")},
         Verdict::warn,
         "temporary"},
        {"accepted", {true, 1000, "", 1001, reply("250 2.1.0 Ok")}, Verdict::warn, "was accepted"},
        {"not advertised", {false, std::nullopt, "", 0, std::nullopt}, Verdict::warn, "no SIZE"},
        {"no fixed limit", {true, 0, "", 0, std::nullopt}, Verdict::warn, "without a fixed"},
        {"garbage parameter",
         {true, std::nullopt, "10MB", 0, std::nullopt},
         Verdict::warn,
         "not a number"},
        {"no reply", {true, 1000, "", 1001, std::nullopt}, Verdict::error, "no reply"},
    };
    for (const auto& c : cases) {
        SECTION(c.label) {
            const CheckResult got = judge_size(c.facts);
            INFO("got " << to_string(got.verdict) << ": " << got.explanation);
            CHECK(got.name == "limits.size");
            CHECK(got.verdict == c.want);
            CHECK(got.explanation.find(c.phrase) != std::string::npos);
        }
    }
    SECTION("details carry the advertised and declared sizes") {
        const auto got = judge_size({true, 1000, "", 1001, reply("552 5.3.4 too big")});
        CHECK(got.details["size"] == 1000);
        CHECK(got.details["declared"] == 1001);
        CHECK(got.details["refused"] == true);
    }
}

TEST_CASE("recipients per message", "[limits][recipients]") {
    auto facts = [](std::size_t accepted, std::optional<relaylab::smtp::Reply> refusal) {
        RecipientFacts f;
        f.recipient = "postmaster@example.test";
        f.mail_reply = reply("250 2.1.0 Ok");
        f.accepted = accepted;
        f.refusal = std::move(refusal);
        return f;
    };
    SECTION("100 then 452 4.5.3: pass, limit found") {
        const auto got =
            judge_recipients(facts(100, reply("452 4.5.3 Error: too many recipients")));
        CHECK(got.verdict == Verdict::pass);
        CHECK(got.details["limit"] == 100);
        CHECK(got.explanation.find("accepts 100 recipients") != std::string::npos);
    }
    SECTION("50 then 452: under the RFC minimum") {
        const auto got = judge_recipients(facts(50, reply("452 4.5.3 too many recipients")));
        CHECK(got.verdict == Verdict::warn);
        CHECK(got.details["limit"] == 50);
        CHECK(got.explanation.find("4.5.3.1.8") != std::string::npos);
    }
    SECTION("limit refused with a permanent code") {
        const auto got = judge_recipients(facts(200, reply("550 5.5.3 too many recipients")));
        CHECK(got.verdict == Verdict::warn);
        CHECK(got.explanation.find("452") != std::string::npos);
    }
    SECTION("no refusal up to the probe's limit: more than N") {
        const auto got = judge_recipients(facts(recipients_probe_limit, std::nullopt));
        CHECK(got.verdict == Verdict::pass);
        CHECK(got.details["limit"].is_null());
        CHECK(got.explanation.find("more than 120") != std::string::npos);
    }
    SECTION("the first recipient refused: cannot count") {
        const auto got = judge_recipients(facts(0, reply("550 5.1.1 no such user")));
        CHECK(got.verdict == Verdict::error);
        CHECK(got.explanation.find("--rcpt") != std::string::npos);
    }
    SECTION("MAIL refused: cannot count") {
        auto f = facts(0, std::nullopt);
        f.mail_reply = reply("553 5.7.1 sender rejected");
        const auto got = judge_recipients(f);
        CHECK(got.verdict == Verdict::error);
        CHECK(got.explanation.find("--from") != std::string::npos);
    }
    SECTION("a tarpit ran the budget out early") {
        auto f = facts(20, std::nullopt);
        f.budget_exhausted = true;
        const auto got = judge_recipients(f);
        CHECK(got.verdict == Verdict::warn);
        CHECK(got.details["budget_exhausted"] == true);
    }
}

TEST_CASE("pipelining", "[limits][pipelining]") {
    const auto ok4 = std::vector<relaylab::smtp::Reply>{
        reply("250 2.1.0 Ok"), reply("250 2.1.5 Ok"), reply("250 2.1.5 Ok"), reply("250 2.0.0 Ok")};
    SECTION("advertised and all answered") {
        const auto got = judge_pipelining({true, ok4, ""});
        CHECK(got.name == "limits.pipelining");
        CHECK(got.verdict == Verdict::pass);
        CHECK(got.details["codes"] == nlohmann::json({250, 250, 250, 250}));
    }
    SECTION("advertised, sender refused: still answered in step") {
        const auto got = judge_pipelining(
            {true,
             {reply("550 no"), reply("503 need MAIL"), reply("503 need MAIL"), reply("250 Ok")},
             ""});
        CHECK(got.verdict == Verdict::pass);
    }
    SECTION("advertised but replies lost") {
        const auto got = judge_pipelining(
            {true, {reply("250 Ok")}, "timed out waiting for a reply (after 500 ms)"});
        CHECK(got.verdict == Verdict::fail);
        CHECK(got.explanation.find("1 of 4") != std::string::npos);
        CHECK(got.explanation.find("timed out") != std::string::npos);
    }
    SECTION("advertised but the last reply is not RSET's") {
        const auto got = judge_pipelining(
            {true, {reply("250 Ok"), reply("250 Ok"), reply("250 Ok"), reply("452 too many")}, ""});
        CHECK(got.verdict == Verdict::fail);
    }
    SECTION("not advertised, refused (reject_unauth_pipelining)") {
        const auto got = judge_pipelining(
            {false, {reply("503 5.5.0 <probe>: Improper use of SMTP command pipelining")}, ""});
        CHECK(got.verdict == Verdict::warn);
        CHECK(got.details["refuses_unadvertised_pipelining"] == true);
    }
    SECTION("not advertised, answered anyway") {
        const auto got = judge_pipelining({false, ok4, ""});
        CHECK(got.verdict == Verdict::warn);
        CHECK(got.details["refuses_unadvertised_pipelining"] == false);
    }
}
