// Command lines (RFC 5321 4.1) and ESMTP parameters: SIZE (RFC 1870), BODY (RFC 6152),
// SMTPUTF8 (RFC 6531), RET/ENVID/NOTIFY/ORCPT (RFC 3461), AUTH= (RFC 4954 5), BDAT (RFC 3030),
// AUTH (RFC 4954 4) and xtext (RFC 3461 4).
#include <catch2/catch.hpp>
#include <string>

#include "harness/smtp/command.hpp"

using namespace std::string_literals;
using relaylab::smtp::EnabledParams;
using relaylab::smtp::Reply;
using relaylab::smtp::Verb;

namespace {

const EnabledParams all{.size = true,
                        .eight_bit_mime = true,
                        .binary_mime = true,
                        .smtputf8 = true,
                        .dsn = true,
                        .auth = true};
const EnabledParams none{};  // a HELO session: no extension was offered

template <typename T>
std::string describe(const relaylab::smtp::Parsed<T>& parsed) {
    if (const auto* reply = std::get_if<Reply>(&parsed)) return reply->summary();
    return "accepted";
}

// The reply code of a refusal, or 0 when the command was accepted.
template <typename T>
int code_of(const relaylab::smtp::Parsed<T>& parsed) {
    if (const auto* reply = std::get_if<Reply>(&parsed)) return reply->code;
    return 0;
}

}  // namespace

TEST_CASE("split_command", "[command]") {
    struct Case {
        const char* line;
        Verb verb;
        const char* name;
        const char* args;
    };
    auto c = GENERATE(values<Case>({
        {"EHLO client.test", Verb::ehlo, "EHLO", "client.test"},
        {"ehlo client.test", Verb::ehlo, "ehlo", "client.test"},
        {"HeLo x", Verb::helo, "HeLo", "x"},
        {"MAIL FROM:<a@b>", Verb::mail, "MAIL", "FROM:<a@b>"},
        {"RCPT TO:<a@b>", Verb::rcpt, "RCPT", "TO:<a@b>"},
        {"DATA", Verb::data, "DATA", ""},
        {"BDAT 10 LAST", Verb::bdat, "BDAT", "10 LAST"},
        {"RSET", Verb::rset, "RSET", ""},
        {"NOOP", Verb::noop, "NOOP", ""},
        {"QUIT", Verb::quit, "QUIT", ""},
        {"VRFY u", Verb::vrfy, "VRFY", "u"},
        {"EXPN l", Verb::expn, "EXPN", "l"},
        {"HELP", Verb::help, "HELP", ""},
        {"STARTTLS", Verb::starttls, "STARTTLS", ""},
        {"AUTH PLAIN x", Verb::auth, "AUTH", "PLAIN x"},
        {"DATA ", Verb::data, "DATA", ""},
        {"MAILFROM:<a@b>", Verb::unknown, "MAILFROM:<a@b>", ""},
        {"", Verb::unknown, "", ""},
        {"DAT", Verb::unknown, "DAT", ""},
        {"DATAX", Verb::unknown, "DATAX", ""},
    }));
    INFO("line \"" << c.line << "\"");
    auto command = relaylab::smtp::split_command(c.line);
    CHECK(command.verb == c.verb);
    CHECK(command.name == c.name);
    CHECK(command.args == c.args);
}

TEST_CASE("parse_mail parameters", "[command]") {
    struct Case {
        const char* label;
        std::string args;
        EnabledParams enabled;
        int code;  // 0: accepted
    };
    auto c = GENERATE(values<Case>({
        {"plain", "FROM:<a@x.test>", all, 0},
        {"lower-case prefix", "from:<a@x.test>", all, 0},
        {"space after colon tolerated", "FROM: <a@x.test>", all, 0},
        {"null sender", "FROM:<>", all, 0},
        {"no colon", "FROM<a@x.test>", all, 501},
        {"no brackets", "FROM:a@x.test", all, 501},
        {"junk after path", "FROM:<a@x.test>junk", all, 501},
        {"empty", "", all, 501},
        {"TO: instead of FROM:", "TO:<a@x.test>", all, 501},
        {"SIZE", "FROM:<a@x.test> SIZE=1000", all, 0},
        {"SIZE zero", "FROM:<a@x.test> SIZE=0", all, 0},
        {"SIZE max uint64", "FROM:<a@x.test> SIZE=18446744073709551615", all, 0},
        {"SIZE overflow", "FROM:<a@x.test> SIZE=18446744073709551616", all, 501},
        {"SIZE no value", "FROM:<a@x.test> SIZE", all, 501},
        {"SIZE empty value", "FROM:<a@x.test> SIZE=", all, 501},
        {"SIZE negative", "FROM:<a@x.test> SIZE=-1", all, 501},
        {"SIZE plus sign", "FROM:<a@x.test> SIZE=+1", all, 501},
        {"SIZE letters", "FROM:<a@x.test> SIZE=12k", all, 501},
        {"SIZE not offered", "FROM:<a@x.test> SIZE=10", none, 555},
        {"BODY 7BIT", "FROM:<a@x.test> BODY=7BIT", all, 0},
        {"BODY 8BITMIME", "FROM:<a@x.test> BODY=8bitmime", all, 0},
        {"BODY BINARYMIME", "FROM:<a@x.test> BODY=BINARYMIME", all, 0},
        {"BODY BINARYMIME not offered", "FROM:<a@x.test> BODY=BINARYMIME",
         EnabledParams{.eight_bit_mime = true}, 555},
        {"BODY unknown", "FROM:<a@x.test> BODY=9BIT", all, 555},
        {"BODY not offered", "FROM:<a@x.test> BODY=8BITMIME", none, 555},
        {"SMTPUTF8", "FROM:<a@x.test> SMTPUTF8", all, 0},
        {"SMTPUTF8 with value", "FROM:<a@x.test> SMTPUTF8=yes", all, 501},
        {"SMTPUTF8 not offered", "FROM:<a@x.test> SMTPUTF8", none, 555},
        {"UTF-8 sender with SMTPUTF8", "FROM:<\xc3\xbc@x.test> SMTPUTF8", all, 0},
        {"UTF-8 sender without SMTPUTF8", "FROM:<\xc3\xbc@x.test>", all, 553},
        {"RET FULL", "FROM:<a@x.test> RET=FULL", all, 0},
        {"RET HDRS", "FROM:<a@x.test> RET=hdrs", all, 0},
        {"RET bad", "FROM:<a@x.test> RET=ALL", all, 501},
        {"RET not offered", "FROM:<a@x.test> RET=FULL", none, 555},
        {"ENVID", "FROM:<a@x.test> ENVID=QQ314159", all, 0},
        {"ENVID xtext", "FROM:<a@x.test> ENVID=a+2Bb", all, 0},
        {"ENVID bad xtext", "FROM:<a@x.test> ENVID=a+2bb", all, 501},
        {"ENVID no value", "FROM:<a@x.test> ENVID", all, 501},
        {"ENVID 100", "FROM:<a@x.test> ENVID=" + std::string(100, 'e'), all, 0},
        {"ENVID 101", "FROM:<a@x.test> ENVID=" + std::string(101, 'e'), all, 501},
        {"AUTH", "FROM:<a@x.test> AUTH=a@x.test", all, 0},
        {"AUTH null", "FROM:<a@x.test> AUTH=<>", all, 0},
        {"AUTH no value", "FROM:<a@x.test> AUTH", all, 501},
        {"AUTH not offered", "FROM:<a@x.test> AUTH=<>", none, 555},
        {"all together", "FROM:<a@x.test> SIZE=5 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=x AUTH=<>",
         all, 0},
        {"extra spaces between params", "FROM:<a@x.test>  SIZE=5   BODY=7BIT  ", all, 0},
        {"unknown param", "FROM:<a@x.test> FOO=bar", all, 555},
        {"unknown keyword alone", "FROM:<a@x.test> XYZZY", all, 555},
        {"duplicate SIZE", "FROM:<a@x.test> SIZE=1 SIZE=2", all, 501},
        {"duplicate in other case", "FROM:<a@x.test> BODY=7BIT body=7BIT", all, 501},
        {"bad keyword", "FROM:<a@x.test> -SIZE=1", all, 501},
        {"keyword with underscore", "FROM:<a@x.test> X_Y=1", all, 501},
        {"value with '='", "FROM:<a@x.test> ENVID=a=b", all, 501},
        {"value with control char", "FROM:<a@x.test> ENVID=a\x01", all, 501},
        {"empty keyword", "FROM:<a@x.test> =1", all, 501},
    }));
    INFO(c.label << ": MAIL " << c.args);
    auto parsed = relaylab::smtp::parse_mail(c.args, c.enabled);
    INFO("got " << describe(parsed));
    CHECK(code_of(parsed) == c.code);
}

TEST_CASE("parse_mail fills MailParams", "[command]") {
    auto parsed = relaylab::smtp::parse_mail(
        "FROM:<a@x.test> SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+2B1 AUTH=u+3Dv@x",
        all);
    REQUIRE(std::holds_alternative<relaylab::smtp::MailCommand>(parsed));
    const auto& command = std::get<relaylab::smtp::MailCommand>(parsed);
    CHECK(command.path.address() == "a@x.test");
    REQUIRE(command.params.size);
    CHECK(*command.params.size == 12345);
    CHECK(command.params.body == relaylab::smtp::BodyType::eight_bit_mime);
    CHECK(command.params.smtputf8);
    CHECK(command.params.ret == relaylab::smtp::DsnRet::headers);
    CHECK(command.params.envid == "id+1");
    CHECK(command.params.auth == "u=v@x");

    auto plain = relaylab::smtp::parse_mail("FROM:<>", all);
    REQUIRE(std::holds_alternative<relaylab::smtp::MailCommand>(plain));
    const auto& bounce = std::get<relaylab::smtp::MailCommand>(plain);
    CHECK(bounce.path.null);
    CHECK_FALSE(bounce.params.size);
    CHECK(bounce.params.body == relaylab::smtp::BodyType::unspecified);
    CHECK(bounce.params.ret == relaylab::smtp::DsnRet::unspecified);
}

TEST_CASE("parse_mail replies carry the right enhanced codes", "[command]") {
    auto bad_path = relaylab::smtp::parse_mail("FROM:<a b@x>", all);
    REQUIRE(std::holds_alternative<Reply>(bad_path));
    CHECK(std::get<Reply>(bad_path).summary().rfind("501 5.1.7 ", 0) == 0);
    auto unknown = relaylab::smtp::parse_mail("FROM:<a@x> FOO", all);
    REQUIRE(std::holds_alternative<Reply>(unknown));
    CHECK(std::get<Reply>(unknown).summary() == "555 5.5.4 Unsupported option: FOO");
    auto utf8 = relaylab::smtp::parse_mail("FROM:<\xc3\xbc@x.test>", all);
    REQUIRE(std::holds_alternative<Reply>(utf8));
    CHECK(std::get<Reply>(utf8).enhanced == "5.6.7");
    // RFC 6531 3.3: ill-formed UTF-8 is bad address syntax (RFC 3463 X.1.7 / X.1.3), not the
    // 553 5.6.7 of a well-formed non-ASCII address without SMTPUTF8.
    auto overlong = relaylab::smtp::parse_mail("FROM:<a\xc0\xaf@x.test> SMTPUTF8", all);
    REQUIRE(std::holds_alternative<Reply>(overlong));
    CHECK(std::get<Reply>(overlong).summary().rfind("501 5.1.7 ", 0) == 0);
    auto surrogate = relaylab::smtp::parse_rcpt("TO:<a\xed\xb0\x80@x.test>", all);
    REQUIRE(std::holds_alternative<Reply>(surrogate));
    CHECK(std::get<Reply>(surrogate).summary().rfind("501 5.1.3 ", 0) == 0);
}

TEST_CASE("parse_rcpt parameters", "[command]") {
    struct Case {
        const char* label;
        std::string args;
        EnabledParams enabled;
        int code;
    };
    auto c = GENERATE(values<Case>({
        {"plain", "TO:<b@x.test>", all, 0},
        {"Postmaster", "TO:<Postmaster>", all, 0},
        {"null refused", "TO:<>", all, 501},
        {"FROM: instead of TO:", "FROM:<b@x.test>", all, 501},
        {"junk after path", "TO:<b@x.test>x", all, 501},
        {"UTF-8 with SMTPUTF8", "TO:<\xc3\xbc@x.test>", all, 0},
        {"UTF-8 without SMTPUTF8", "TO:<\xc3\xbc@x.test>", none, 553},
        {"NOTIFY NEVER", "TO:<b@x.test> NOTIFY=NEVER", all, 0},
        {"NOTIFY list", "TO:<b@x.test> NOTIFY=SUCCESS,FAILURE,DELAY", all, 0},
        {"NOTIFY lower case", "TO:<b@x.test> NOTIFY=failure", all, 0},
        {"NOTIFY NEVER combined", "TO:<b@x.test> NOTIFY=NEVER,SUCCESS", all, 501},
        {"NOTIFY unknown", "TO:<b@x.test> NOTIFY=ALWAYS", all, 501},
        {"NOTIFY no value", "TO:<b@x.test> NOTIFY", all, 501},
        // RFC 3461 4.1: a list of keywords; an empty element is no keyword.
        {"NOTIFY trailing comma", "TO:<b@x.test> NOTIFY=SUCCESS,", all, 501},
        {"NOTIFY leading comma", "TO:<b@x.test> NOTIFY=,FAILURE", all, 501},
        {"NOTIFY doubled comma", "TO:<b@x.test> NOTIFY=SUCCESS,,FAILURE", all, 501},
        {"NOTIFY NEVER trailing comma", "TO:<b@x.test> NOTIFY=NEVER,", all, 501},
        {"UTF-8 invalid under SMTPUTF8", "TO:<\xc3\x28@x.test>", all, 501},
        {"NOTIFY not offered", "TO:<b@x.test> NOTIFY=NEVER", none, 555},
        {"ORCPT", "TO:<b@x.test> ORCPT=rfc822;b@x.test", all, 0},
        {"ORCPT xtext", "TO:<b@x.test> ORCPT=rfc822;b+2Bc@x.test", all, 0},
        {"ORCPT no type", "TO:<b@x.test> ORCPT=;b@x.test", all, 501},
        {"ORCPT no semicolon", "TO:<b@x.test> ORCPT=b@x.test", all, 501},
        {"ORCPT empty address", "TO:<b@x.test> ORCPT=rfc822;", all, 501},
        {"ORCPT bad xtext", "TO:<b@x.test> ORCPT=rfc822;b+zz", all, 501},
        {"ORCPT not offered", "TO:<b@x.test> ORCPT=rfc822;b@x.test", none, 555},
        {"SIZE is a MAIL parameter", "TO:<b@x.test> SIZE=10", all, 555},
        {"duplicate NOTIFY", "TO:<b@x.test> NOTIFY=NEVER NOTIFY=NEVER", all, 501},
        {"unknown", "TO:<b@x.test> X-FOO", all, 555},
    }));
    INFO(c.label << ": RCPT " << c.args);
    auto parsed = relaylab::smtp::parse_rcpt(c.args, c.enabled);
    INFO("got " << describe(parsed));
    CHECK(code_of(parsed) == c.code);
}

TEST_CASE("parse_rcpt fills RcptParams", "[command]") {
    auto parsed =
        relaylab::smtp::parse_rcpt("TO:<b@x.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b+2Bc@x", all);
    REQUIRE(std::holds_alternative<relaylab::smtp::RcptCommand>(parsed));
    const auto& params = std::get<relaylab::smtp::RcptCommand>(parsed).params;
    CHECK(params.notify_success);
    CHECK(params.notify_delay);
    CHECK_FALSE(params.notify_failure);
    CHECK_FALSE(params.notify_never);
    CHECK(params.orcpt_type == "rfc822");
    CHECK(params.orcpt == "b+c@x");
    auto bad = relaylab::smtp::parse_rcpt("TO:<b c@x.test>", all);
    REQUIRE(std::holds_alternative<Reply>(bad));
    CHECK(std::get<Reply>(bad).enhanced == "5.1.3");
}

TEST_CASE("parse_bdat", "[command]") {
    struct Case {
        const char* args;
        int code;
        std::uint64_t size;
        bool last;
    };
    auto c = GENERATE(values<Case>({
        {"0", 0, 0, false},
        {"0 LAST", 0, 0, true},
        {"1000", 0, 1000, false},
        {"1000 last", 0, 1000, true},
        {"18446744073709551615", 0, 18446744073709551615ull, false},
        {"18446744073709551616", 501, 0, false},
        {"", 501, 0, false},
        {"LAST", 501, 0, false},
        {"-1", 501, 0, false},
        {"+1", 501, 0, false},
        {"10 FIRST", 501, 0, false},
        {"10 LAST x", 501, 0, false},
        {"10  LAST", 501, 0, false},
        {"10 ", 501, 0, false},
        {" 10", 501, 0, false},
        {"1x", 501, 0, false},
    }));
    INFO("BDAT " << c.args);
    auto parsed = relaylab::smtp::parse_bdat(c.args);
    INFO("got " << describe(parsed));
    REQUIRE(code_of(parsed) == c.code);
    if (c.code == 0) {
        CHECK(std::get<relaylab::smtp::BdatCommand>(parsed).size == c.size);
        CHECK(std::get<relaylab::smtp::BdatCommand>(parsed).last == c.last);
    }
}

TEST_CASE("parse_auth", "[command]") {
    struct Case {
        const char* args;
        int code;
        const char* mechanism;
        const char* initial;  // nullptr: none
    };
    auto c = GENERATE(values<Case>({
        {"PLAIN", 0, "PLAIN", nullptr},
        {"plain", 0, "PLAIN", nullptr},
        {"PLAIN AHVAAHA=", 0, "PLAIN", "AHVAAHA="},
        {"LOGIN =", 0, "LOGIN", "="},
        {"CRAM-MD5", 0, "CRAM-MD5", nullptr},
        {"", 501, "", nullptr},
        {"PLAIN ", 501, "", nullptr},
        {"PLAIN a b", 501, "", nullptr},
        {"PL@IN", 501, "", nullptr},
        {" PLAIN", 501, "", nullptr},
    }));
    INFO("AUTH " << c.args);
    auto parsed = relaylab::smtp::parse_auth(c.args);
    INFO("got " << describe(parsed));
    REQUIRE(code_of(parsed) == c.code);
    if (c.code == 0) {
        const auto& command = std::get<relaylab::smtp::AuthCommand>(parsed);
        CHECK(command.mechanism == c.mechanism);
        CHECK(command.initial_response.has_value() == (c.initial != nullptr));
        if (c.initial != nullptr) CHECK(*command.initial_response == c.initial);
    }
}

TEST_CASE("xtext decoding", "[command]") {
    struct Case {
        std::string text;
        bool ok;
        std::string decoded;
    };
    auto c = GENERATE(values<Case>({
        {"", true, ""},
        {"plain", true, "plain"},
        {"a+2Bb", true, "a+b"},
        {"+3D", true, "="},
        {"+00", true, "\0"s},
        {"+FF", true, "\xff"},
        {"+41", true, "A"},
        {"+2b", false, ""},
        {"+2", false, ""},
        {"+", false, ""},
        {"a+", false, ""},
        {"+G0", false, ""},
        {"+-1", false, ""},
        {"a=b", false, ""},
        {"a b", false, ""},
        {"\x7f", false, ""},
        {"\xc3\xbc", false, ""},
    }));
    INFO("xtext \"" << c.text << "\"");
    auto decoded = relaylab::smtp::decode_xtext(c.text);
    REQUIRE(decoded.has_value() == c.ok);
    if (c.ok) CHECK(*decoded == c.decoded);
}

TEST_CASE("xtext encoding round-trips every octet", "[command]") {
    std::string all_octets;
    for (int i = 0; i < 256; ++i)
        all_octets += static_cast<char>(i);
    std::string encoded = relaylab::smtp::encode_xtext(all_octets);
    for (unsigned char c : encoded) {
        CHECK(c >= 33);
        CHECK(c <= 126);
        CHECK(c != '=');
    }
    auto decoded = relaylab::smtp::decode_xtext(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == all_octets);
    CHECK(relaylab::smtp::encode_xtext("a+b=c d") == "a+2Bb+3Dc+20d");
}
