// The banner group's judges: greeting codes, host names, time to banner, EHLO and HELO, and the
// EHLO extension parser.
#include <catch2/catch.hpp>

#include "probes/policy/banner_ehlo.hpp"
#include "probes/policy/banner_judge.hpp"
#include "reply_builder.hpp"

using namespace relaylab::probe;
using relaylab::probe::test::reply;
using namespace std::chrono_literals;

TEST_CASE("greeting codes", "[banner]") {
    struct Case {
        const char* label;
        const char* wire;
        Verdict want;
        const char* phrase;
    };
    const Case cases[] = {
        {"220", "220 mx.example.test ESMTP", Verdict::pass, "greets with 220"},
        {"220 multi-line", "220-mx.example.test ESMTP|220 welcome", Verdict::pass, "220"},
        {"554 refuses", "554 5.7.1 mx.example.test no SMTP service here", Verdict::fail,
         "refuses connections"},
        {"421 busy", "421 4.3.2 mx.example.test busy, try later", Verdict::warn, "for now"},
        {"250 is not a greeting", "250 mx.example.test", Verdict::fail, "is not 220"},
        {"521 (RFC 7504)", "521 5.3.2 no mail here", Verdict::fail, "is not 220"},
    };
    for (const auto& c : cases) {
        SECTION(c.label) {
            const CheckResult got = judge_greeting(reply(c.wire));
            INFO("got " << to_string(got.verdict) << ": " << got.explanation);
            CHECK(got.name == "banner");
            CHECK(got.verdict == c.want);
            CHECK(got.explanation.find(c.phrase) != std::string::npos);
            CHECK(got.details["code"] == reply(c.wire).code);
        }
    }
}

TEST_CASE("greeting host names", "[banner]") {
    struct Case {
        const char* label;
        const char* wire;
        Verdict want;
        const char* hostname;
    };
    const Case cases[] = {
        {"FQDN", "220 mx.example.test ESMTP Postfix", Verdict::pass, "mx.example.test"},
        {"FQDN with trailing dot", "220 mx.example.test. ESMTP", Verdict::pass, "mx.example.test."},
        {"FQDN alone", "220 mail.example.org", Verdict::pass, "mail.example.org"},
        {"single label", "220 mailhost ESMTP", Verdict::warn, "mailhost"},
        {"localhost", "220 localhost ESMTP", Verdict::warn, "localhost"},
        {"localhost.localdomain", "220 localhost.localdomain ESMTP", Verdict::warn,
         "localhost.localdomain"},
        {"address literal", "220 [192.0.2.1] ESMTP", Verdict::warn, "[192.0.2.1]"},
        {"no name at all", "220", Verdict::warn, ""},
        {"underscore garbage", "220 ..bad..name ESMTP", Verdict::warn, "..bad..name"},
    };
    for (const auto& c : cases) {
        SECTION(c.label) {
            const CheckResult got = judge_greeting_name(reply(c.wire));
            INFO("got " << to_string(got.verdict) << ": " << got.explanation);
            CHECK(got.name == "banner.hostname");
            CHECK(got.verdict == c.want);
            CHECK(got.details["hostname"] == c.hostname);
            CHECK(got.details["fqdn"] == (c.want == Verdict::pass));
        }
    }
}

TEST_CASE("time to banner", "[banner]") {
    CHECK(judge_banner_delay(3ms).verdict == Verdict::pass);
    CHECK(judge_banner_delay(10s).verdict == Verdict::pass);
    const CheckResult slow = judge_banner_delay(10001ms);
    CHECK(slow.name == "banner.delay");
    CHECK(slow.verdict == Verdict::warn);
    CHECK(slow.explanation.find("10.0 s") != std::string::npos);
    CHECK(slow.details["time_to_banner_ms"] == 10001);
}

TEST_CASE("EHLO extensions are parsed", "[banner][ehlo]") {
    const EhloFacts facts = parse_ehlo(
        reply("250-mx.example.test Hello probe|250-PIPELINING|250-SIZE 10240000|250-VRFY|"
              "250-ETRN|250-STARTTLS|250-AUTH PLAIN login|250-AUTH=PLAIN LOGIN|"
              "250-ENHANCEDSTATUSCODES|250-8bitmime|250-DSN|250-SMTPUTF8|250 CHUNKING"));
    CHECK(facts.name == "mx.example.test");
    CHECK(facts.has("PIPELINING"));
    CHECK(facts.has("8BITMIME"));  // keywords are case-insensitive (RFC 5321 4.1.1.1)
    CHECK(facts.has("CHUNKING"));
    CHECK_FALSE(facts.has("AUTH=PLAIN"));  // the old duplicate of AUTH is not an extension
    CHECK(facts.size_advertised);
    REQUIRE(facts.size_limit);
    CHECK(*facts.size_limit == 10240000);
    CHECK(facts.auth_mechanisms == std::vector<std::string>{"PLAIN", "LOGIN"});
    const auto json = to_json(facts);
    CHECK(json["size"] == 10240000);
    CHECK(json["pipelining"] == true);
    CHECK(json["smtputf8"] == true);
    CHECK(json["dsn"] == true);
    CHECK(json["extensions"].size() == 11);
}

TEST_CASE("EHLO SIZE forms", "[banner][ehlo]") {
    SECTION("SIZE without a parameter: no fixed limit") {
        const auto facts = parse_ehlo(reply("250-mx.test|250 SIZE"));
        CHECK(facts.size_advertised);
        REQUIRE(facts.size_limit);
        CHECK(*facts.size_limit == 0);
    }
    SECTION("SIZE 0") {
        const auto facts = parse_ehlo(reply("250-mx.test|250 SIZE 0"));
        REQUIRE(facts.size_limit);
        CHECK(*facts.size_limit == 0);
    }
    SECTION("SIZE garbage") {
        const auto facts = parse_ehlo(reply("250-mx.test|250 SIZE 10MB"));
        CHECK(facts.size_advertised);
        CHECK_FALSE(facts.size_limit);
        CHECK(facts.size_parameter == "10MB");
    }
    SECTION("SIZE beyond 64 bits is garbage, not a wrapped number") {
        const auto facts = parse_ehlo(reply("250-mx.test|250 SIZE 99999999999999999999999"));
        CHECK_FALSE(facts.size_limit);
    }
    SECTION("no SIZE") {
        const auto facts = parse_ehlo(reply("250 mx.test"));
        CHECK_FALSE(facts.size_advertised);
        CHECK(facts.keywords.empty());
    }
}

TEST_CASE("EHLO and HELO verdicts", "[banner][ehlo]") {
    SECTION("EHLO accepted") {
        const auto got =
            judge_ehlo(reply("250-mx.test|250-PIPELINING|250 SIZE 1000"), std::nullopt);
        CHECK(got.name == "banner.ehlo");
        CHECK(got.verdict == Verdict::pass);
        CHECK(got.explanation.find("PIPELINING SIZE") != std::string::npos);
        CHECK(got.details["esmtp"] == true);
        CHECK(got.details["size"] == 1000);
    }
    SECTION("EHLO refused, HELO accepted: warn") {
        const auto got =
            judge_ehlo(reply("502 5.5.2 command not recognized"), reply("250 mx.test"));
        CHECK(got.verdict == Verdict::warn);
        CHECK(got.explanation.find("HELO accepted") != std::string::npos);
        CHECK(got.details["esmtp"] == false);
    }
    SECTION("both refused: fail") {
        const auto got = judge_ehlo(reply("500 no"), reply("501 no either"));
        CHECK(got.verdict == Verdict::fail);
        CHECK(got.explanation.find("HELO refused") != std::string::npos);
    }
    SECTION("EHLO refused for now: warn") {
        const auto got = judge_ehlo(reply("421 4.7.0 closing"), std::nullopt);
        CHECK(got.verdict == Verdict::warn);
    }
}
