// Verdicts rendered: the `auth check --json` object, the compact form kept per captured
// message, Authentication-Results read back by our RFC 8601 parser, and hostile text that
// must neither break JSON nor inject header lines.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "probes/auth/authres.hpp"
#include "probes/auth/verdict_format.hpp"
#include "tests/unit/auth_policy/judge_fixture.hpp"

using namespace relaylab::auth;
using namespace relaylab::auth::test;

namespace {

Verdicts judged(const std::string& message, const char* ip = allowed_ip) {
    MemoryDns dns;
    add_sender_zone(dns);
    return judge_message(input_for(message, ip), dns);
}

std::string field_value(const std::string& field) {
    const std::string prefix = "Authentication-Results:";
    REQUIRE(field.rfind(prefix, 0) == 0);
    REQUIRE(field.size() >= prefix.size() + 2);
    REQUIRE(field.substr(field.size() - 2) == "\r\n");
    return field.substr(prefix.size(), field.size() - prefix.size() - 2);
}

}  // namespace

TEST_CASE("to_json: the auth check --json object, key for key", "[judge][format]") {
    nlohmann::json j = to_json(judged(signed_message()));
    CHECK(j.size() == 4);
    CHECK(j["spf"] == nlohmann::json({{"result", "pass"}, {"reason", j["spf"]["reason"]}}));
    CHECK(j["spf"]["result"] == "pass");
    REQUIRE(j["dkim"].is_array());
    REQUIRE(j["dkim"].size() == 1);
    CHECK(j["dkim"][0].size() == 4);
    CHECK(j["dkim"][0]["domain"] == "example.test");
    CHECK(j["dkim"][0]["selector"] == "s1");
    CHECK(j["dkim"][0]["result"] == "pass");
    CHECK(j["dmarc"].size() == 3);
    CHECK(j["dmarc"]["result"] == "pass");
    CHECK(j["dmarc"]["policy"] == "none");
    CHECK(j["arc"].size() == 2);
    CHECK(j["arc"]["result"] == "none");
}

TEST_CASE("to_compact_json: same shape, no whitespace, short reasons", "[judge][format]") {
    SECTION("passing mail keeps results only") {
        const std::string text = to_compact_json(judged(signed_message()));
        // No whitespace between tokens: the text is already nlohmann's most compact form.
        CHECK(text == nlohmann::json::parse(text).dump());
        CHECK(text.size() < 200);
        nlohmann::json j = nlohmann::json::parse(text);
        CHECK(j["spf"] == nlohmann::json({{"result", "pass"}}));
        CHECK(j["dkim"][0] ==
              nlohmann::json({{"domain", "example.test"}, {"selector", "s1"}, {"result", "pass"}}));
        CHECK(j["dmarc"] == nlohmann::json({{"result", "pass"}, {"policy", "none"}}));
        CHECK(j["arc"] == nlohmann::json({{"result", "none"}}));
    }
    SECTION("failures keep a reason, cut short") {
        Verdicts v = judged(plain_message(), foreign_ip);
        v.spf.reason = std::string(500, 'r');
        const std::string text = to_compact_json(v);
        CHECK(text == nlohmann::json::parse(text).dump());
        CHECK(text.size() < 400);
        nlohmann::json j = nlohmann::json::parse(text);
        CHECK(j["spf"]["result"] == "fail");
        const std::string reason = j["spf"]["reason"];
        CHECK(reason.size() == compact_reason_bytes);
        CHECK(reason.substr(reason.size() - 3) == "...");
        CHECK(j["dmarc"]["result"] == "fail");
        CHECK(j["dmarc"]["policy"] == "reject");
        CHECK_FALSE(j["dmarc"]["reason"].get<std::string>().empty());
    }
}

TEST_CASE("Authentication-Results: written, folded, parsed back", "[judge][format][authres]") {
    const Verdicts v = judged(signed_message());
    const std::string field = authentication_results_field(v);
    // Folded between results: no line is long, and every line break is CRLF + WSP.
    CHECK(field.find(";\r\n\tdkim=pass") != std::string::npos);
    auto parsed = parse_authentication_results(field_value(field));
    INFO(field);
    REQUIRE(parsed.header);
    const AuthenticationResults& header = *parsed.header;
    CHECK(header.authserv_id == "mx.relaylab.test");
    REQUIRE(header.results.size() == 4);
    CHECK(header.results[0].method == "spf");
    CHECK(header.results[0].result == "pass");
    REQUIRE(header.results[0].properties.size() == 1);
    CHECK(header.results[0].properties[0].ptype == "smtp");
    CHECK(header.results[0].properties[0].property == "mailfrom");
    CHECK(header.results[0].properties[0].value == "example.test");
    CHECK(header.results[1].method == "dkim");
    CHECK(header.results[1].result == "pass");
    REQUIRE(header.results[1].properties.size() == 3);
    CHECK(header.results[1].properties[0].value == "example.test");
    CHECK(header.results[1].properties[1].value == "s1");
    CHECK(header.results[1].properties[2].property == "b");
    CHECK(header.results[2].method == "dmarc");
    CHECK(header.results[2].result == "pass");
    CHECK(header.results[2].comment.rfind("policy=none", 0) == 0);
    CHECK(header.results[2].properties.at(0).property == "from");
    CHECK(header.results[3].method == "arc");
    CHECK(header.results[3].result == "none");
}

TEST_CASE("Authentication-Results: failures and the null sender", "[judge][format][authres]") {
    std::string message = signed_message();
    message.replace(message.find("Hello Bob."), 10, "Hello Eve.");
    MemoryDns dns;
    add_sender_zone(dns);
    const Verdicts v = judge_message(input_for(message, foreign_ip, ""), dns);
    auto parsed = parse_authentication_results(field_value(authentication_results_field(v)));
    REQUIRE(parsed.header);
    const auto& results = parsed.header->results;
    REQUIRE(results.size() == 4);
    CHECK(results[0].result == "fail");
    CHECK(results[0].properties.at(0).property == "helo");
    CHECK(results[1].result == "fail");
    CHECK(results[1].comment.find("body hash") != std::string::npos);
    CHECK(results[2].result == "fail");
    CHECK(results[2].comment.rfind("policy=reject", 0) == 0);
}

TEST_CASE("hostile text cannot break JSON or inject header lines", "[judge][format][hostile]") {
    Verdicts v = judged(plain_message());
    v.dkim.push_back(DkimVerdict{});
    v.dkim[0].domain = "evil.test\r\nX-Injected: yes";
    v.dkim[0].selector = std::string("\xff\xfe\xc0\x80", 4);  // not UTF-8
    v.dkim[0].reason = "bad (unbalanced ( paren \\";
    v.spf.reason = std::string("caf\xc3\xa9 \xe2\x82", 8);  // valid, then a cut sequence

    const std::string field = authentication_results_field(v);
    CHECK(field.find("\r\nX-Injected") == std::string::npos);
    // Every CRLF inside the field is folding (followed by WSP).
    for (std::size_t at = field.find("\r\n"); at + 2 < field.size();
         at = field.find("\r\n", at + 2))
        CHECK((field[at + 2] == '\t' || field[at + 2] == ' '));
    auto parsed = parse_authentication_results(field_value(field));
    REQUIRE(parsed.header);
    CHECK(parsed.header->results.at(1).comment == "bad (unbalanced ( paren \\");

    std::string json_text;
    REQUIRE_NOTHROW(to_compact_json(v));
    REQUIRE_NOTHROW(json_text = to_json(v).dump());
    auto j = nlohmann::json::parse(json_text);
    CHECK(j["spf"]["reason"] == "caf\xc3\xa9 ??");
    CHECK(j["dkim"][0]["selector"] == "????");

    CHECK(valid_utf8("\xf0\x9f\x93\xa8 ok") == "\xf0\x9f\x93\xa8 ok");
    CHECK(valid_utf8("\xed\xa0\x80") == "???");  // a UTF-16 surrogate
}

TEST_CASE("summary: one word per method", "[judge][format]") {
    Verdicts v;
    CHECK(dkim_summary(v.dkim) == "none");
    v.dkim.resize(3);
    v.dkim[0].result = DkimResult::temperror;
    v.dkim[1].result = DkimResult::fail;
    v.dkim[2].result = DkimResult::fail;
    CHECK(dkim_summary(v.dkim) == "temperror");
    v.dkim[2].result = DkimResult::pass;
    CHECK(dkim_summary(v.dkim) == "pass");
    v.dmarc.result = DmarcResult::fail;
    v.dmarc.policy = DmarcPolicy::quarantine;
    VerdictSummary s = summarize(v);
    CHECK(s.spf == "none");
    CHECK(s.dmarc == "fail");
    CHECK(s.dmarc_policy == "quarantine");
    CHECK(s.arc == "none");
}
