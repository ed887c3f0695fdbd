// The behaviour format: every preset parses, files load from any path, and mistakes produce
// errors that name the source and the JSON pointer.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "behaviour_fixture.hpp"

using namespace relaylab;
using namespace relaylab::fakemx;
using namespace relaylab::fakemx::test;

TEST_CASE("every shipped preset is embedded and parses", "[parse][presets]") {
    auto names = preset_names();
    std::vector<std::string> want{"accept-all",   "flaky",      "gmail", "greylist",     "outlook",
                                  "rate-limited", "reject-all", "slow",  "tls-required", "yahoo"};
    CHECK(names == want);
    for (const auto& name : names) {
        INFO("preset " << name);
        auto behaviour = load_behaviour(name);
        CHECK(behaviour.name == name);
        CHECK_FALSE(behaviour.description.empty());
    }
}

TEST_CASE("presets load whatever the working directory", "[parse][presets]") {
    auto previous = std::filesystem::current_path();
    std::filesystem::current_path(std::filesystem::temp_directory_path());
    auto behaviour = load_behaviour("greylist");
    std::filesystem::current_path(previous);
    REQUIRE(behaviour.greylist);
    CHECK(behaviour.greylist->min_retry == std::chrono::seconds(300));
    CHECK(behaviour.greylist->reply.code == 451);
    CHECK(behaviour.greylist->reply.enhanced == "4.7.1");
}

TEST_CASE("presets mean what their names say", "[parse][presets]") {
    SECTION("accept-all makes the shell do no per-command work") {
        BehaviourEngine engine(load_behaviour("accept-all"));
        CHECK(engine.decision_phases() == 0);
    }
    SECTION("reject-all refuses every recipient with 5.1.1 naming it") {
        BehaviourEngine engine(load_behaviour("reject-all"));
        Session s;
        auto out = engine.decide(s.at(smtp::Phase::rcpt, "carol@example.test"), t0);
        REQUIRE(out.reply);
        CHECK(out.reply->code == 550);
        CHECK(out.reply->enhanced == "5.1.1");
        CHECK(out.reply->text().find("<carol@example.test>") != std::string::npos);
    }
    SECTION("tls-required requires TLS") {
        auto behaviour = load_behaviour("tls-required");
        CHECK(behaviour.require_tls);
        smtp::ServerConfig config;
        apply_server_settings(behaviour, config);
        CHECK(config.require_tls);
    }
    SECTION("rate-limited defers at MAIL with a Gmail-like 4.7.28") {
        auto behaviour = load_behaviour("rate-limited");
        REQUIRE(behaviour.rate_limits.messages_per_minute);
        CHECK(behaviour.rate_limits.messages_per_minute->reply.enhanced == "4.7.28");
        CHECK(behaviour.rate_limits.messages_per_minute->reply.lines.size() == 4);
    }
    SECTION("slow delays every phase but accepts") {
        BehaviourEngine engine(load_behaviour("slow"));
        Session s;
        auto out = engine.decide(s.at(smtp::Phase::data_end), t0);
        CHECK_FALSE(out.reply);
        CHECK(out.delay >= std::chrono::milliseconds(3000));
        CHECK(out.delay <= std::chrono::milliseconds(5000));
    }
}

TEST_CASE("a behaviour file is read from its path before any preset", "[parse][file]") {
    auto dir = std::filesystem::temp_directory_path() /
               ("relaylab-behaviour-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "greylist").string();  // same name as a preset: the file wins
    { std::ofstream(path) << R"({"name": "mine", "max_recipients": 5})"; }
    auto behaviour = load_behaviour(path);
    CHECK(behaviour.name == "mine");
    CHECK(behaviour.max_recipients == 5u);

    {
        std::ofstream(path)
            << R"({"rules": [{"phase": "rcpt", "reply": "550 5.1.1 x", "bogus": 1}]})";
    }
    try {
        load_behaviour(path);
        FAIL("want an error");
    } catch (const BehaviourError& e) {
        CHECK(std::string(e.what()) == path +
                                           ": /rules/0/bogus: unknown key (known here: name, "
                                           "phase, match, seed, reply, delay_ms, jitter_ms, "
                                           "tarpit_ms, disconnect, disconnect_after_bytes, "
                                           "accept)");
    }
    { std::ofstream(path) << "{\"name\": "; }
    CHECK_THROWS_WITH(load_behaviour(path), Catch::Contains(path + ": not valid JSON"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("an unknown preset lists the presets", "[parse][file]") {
    CHECK_THROWS_WITH(load_behaviour("no-such-preset"),
                      Catch::Contains("no-such-preset: neither a readable file nor a preset") &&
                          Catch::Contains("greylist") && Catch::Contains("accept-all"));
}

TEST_CASE("mistakes name the JSON pointer", "[parse][errors]") {
    struct Case {
        const char* label;
        const char* json;
        const char* want;  // the start of what() after "test.json: "
    };
    auto c = GENERATE(values<Case>({
        {"not an object", "[]", "/: must be an object"},
        {"unknown top-level key", R"({"rulez": []})", "/rulez: unknown key"},
        {"wrong type", R"({"require_tls": "yes"})", "/require_tls: must be true or false"},
        {"unknown bare_newline", R"({"bare_newline": "strip"})",
         "/bare_newline: must be \"reject\", \"normalize\" or \"accept\""},
        {"unknown end_of_data", R"({"end_of_data": ["<LF>.<LF>", "<CR><LF>.<CR><LF>"]})",
         "/end_of_data/1: \"<CR><LF>.<CR><LF>\" is not an end-of-data look-alike"},
        {"end_of_data not strings", R"({"end_of_data": 3})", "/end_of_data: "},
        {"negative size", R"({"max_message_size": -1})",
         "/max_message_size: must be a whole number from 0 to"},
        {"unknown phase", R"({"rules": [{"phase": "foo", "accept": true}]})",
         "/rules/0/phase: unknown value \"foo\""},
        {"phase in an array", R"({"rules": [{"phase": ["rcpt", 3], "accept": true}]})",
         "/rules/0/phase/1: unknown value 3"},
        {"missing phase", R"({"rules": [{"accept": true}]})", "/rules/0/phase: missing"},
        {"no action", R"({"rules": [{"phase": "rcpt"}]})", "/rules/0: a rule needs an action"},
        {"bad reply code", R"({"rules": [{"phase": "rcpt", "reply": "650 nope"}]})",
         "/rules/0/reply: a reply code is 2xx, 4xx or 5xx"},
        {"354 outside data", R"({"rules": [{"phase": "rcpt", "reply": {"code": 354}}]})",
         "/rules/0/reply/code: a 3xx reply is only valid as 354"},
        {"enhanced class mismatch",
         R"({"rules": [{"phase": "rcpt", "reply": {"code": 550, "enhanced": "4.1.1"}}]})",
         "/rules/0/reply/enhanced: an enhanced status code"},
        {"CR in reply text",
         R"({"rules": [{"phase": "rcpt", "reply": {"code": 550, "text": ["ok", "a\r\nb"]}}]})",
         "/rules/0/reply/text/1: control characters"},
        {"unknown condition",
         R"({"rules": [{"phase": "rcpt", "match": {"ip": "1.2.3.4"}, "accept": true}]})",
         "/rules/0/match/ip: unknown key"},
        {"bad CIDR",
         R"({"rules": [{"phase": "connect", "match": {"client_ip": ["10.0.0.0/8", "10.1.2.3/8"]}, "accept": true}]})",
         "/rules/0/match/client_ip/1: host bits are set"},
        {"not an address",
         R"({"rules": [{"phase": "connect", "match": {"client_ip": "example.com"}, "accept": true}]})",
         "/rules/0/match/client_ip: not an IPv4 or IPv6 address"},
        {"recipient at connect",
         R"({"rules": [{"phase": "connect", "match": {"recipient": "*"}, "accept": true}]})",
         "/rules/0/match/recipient: this condition is only known at rcpt, data, data_end"},
        {"dmarc before data_end",
         R"({"rules": [{"phase": ["rcpt", "data_end"], "match": {"dmarc": "fail"}, "accept": true}]})",
         "/rules/0/match/dmarc: this condition is only known at data_end, not at rcpt"},
        {"unknown verdict",
         R"({"rules": [{"phase": "data_end", "match": {"spf": ["pass", "fial"]}, "accept": true}]})",
         "/rules/0/match/spf/1: unknown value \"fial\""},
        {"probability over 1",
         R"({"rules": [{"phase": "rcpt", "match": {"probability": 1.5}, "accept": true}]})",
         "/rules/0/match/probability: 1.5 is not in the range 0.0 to 1.0"},
        {"count zero", R"({"rules": [{"phase": "rcpt", "match": {"attempt": 0}, "accept": true}]})",
         "/rules/0/match/attempt: 0 is not in the range 1 to"},
        {"count range inverted",
         R"({"rules": [{"phase": "mail", "match": {"message": {"min": 3, "max": 2}}, "accept": true}]})",
         "/rules/0/match/message/max: 2 is not in the range 3 to"},
        {"mid_data outside data", R"({"rules": [{"phase": "rcpt", "disconnect": "mid_data"}]})",
         "/rules/0/disconnect: \"mid_data\" needs \"phase\": \"data\""},
        {"bytes without mid_data",
         R"({"rules": [{"phase": "data", "disconnect": "after_reply", "disconnect_after_bytes": 5}]})",
         "/rules/0/disconnect_after_bytes: only means something"},
        {"reply never sent",
         R"({"rules": [{"phase": "rcpt", "reply": "550 5.1.1 x", "disconnect": "before_reply"}]})",
         "/rules/0/reply: is never sent"},
        {"accept with reply",
         R"({"rules": [{"phase": "rcpt", "reply": "550 5.1.1 x", "accept": true}]})",
         "/rules/0/accept: gives the default reply"},
        {"delay too long", R"({"rules": [{"phase": "rcpt", "delay_ms": 3600000}]})",
         "/rules/0/delay_ms: 3600000 is not in the range 0 to 600000"},
        {"empty greylist window", R"({"greylist": {"min_retry_s": 600, "max_retry_s": 600}})",
         "/greylist/max_retry_s: must be greater than min_retry_s"},
        {"permanent greylist reply", R"({"greylist": {"reply": "550 5.7.1 no"}})",
         "/greylist/reply: a greylist reply must be 4xx"},
        {"limit without max", R"({"rate_limits": {"messages_per_minute": {}}})",
         "/rate_limits/messages_per_minute/max: missing"},
        {"unknown extension", R"({"extensions": ["PIPELINING", "XCLIENT"]})",
         "/extensions/1: unknown value \"XCLIENT\""},
        {"unknown certificate", R"({"tls": {"certificate": "selfsigned"}})",
         "/tls/certificate: unknown value \"selfsigned\""},
        {"TLS required but impossible", R"({"require_tls": true, "tls": {"certificate": "none"}})",
         "/require_tls: TLS is required but STARTTLS is not offered"},
        {"pointer escaping", R"({"tls": {"a/b~c": 1}})", "/tls/a~1b~0c: unknown key"},
    }));
    INFO(c.label);
    try {
        behaviour_from(c.json);
        FAIL("want an error: " << c.want);
    } catch (const BehaviourError& e) {
        std::string what = e.what();
        INFO("got: " << what);
        CHECK(what.rfind(std::string("test.json: ") + c.want, 0) == 0);
    }
}

TEST_CASE("extensions: a list is exact, an object overrides", "[parse]") {
    auto listed = behaviour_from(R"({"extensions": ["pipelining", "SIZE", "8BITMIME"]})");
    CHECK(listed.extensions.pipelining);
    CHECK(listed.extensions.size);
    CHECK(listed.extensions.eight_bit_mime);
    CHECK_FALSE(listed.extensions.starttls);
    CHECK_FALSE(listed.extensions.chunking);
    CHECK_FALSE(listed.extensions.dsn);

    auto overridden = behaviour_from(R"({"extensions": {"CHUNKING": false, "DSN": false}})");
    CHECK(overridden.extensions.pipelining);
    CHECK(overridden.extensions.starttls);
    CHECK_FALSE(overridden.extensions.chunking);
    CHECK_FALSE(overridden.extensions.dsn);
}

TEST_CASE("session settings go into smtp::ServerConfig", "[parse]") {
    auto behaviour = behaviour_from(R"({
        "hostname": "mx1.example.test", "banner": "ESMTP Exim 4.96",
        "max_message_size": 1048576, "max_recipients": 50,
        "extensions": {"SMTPUTF8": false},
        "tls": {"certificate": "none"}
    })");
    smtp::ServerConfig config;
    config.keep_content = false;  // not the behaviour's business: left alone
    apply_server_settings(behaviour, config);
    CHECK(config.hostname == "mx1.example.test");
    CHECK(config.banner == "ESMTP Exim 4.96");
    CHECK(config.max_message_size == 1048576u);
    CHECK(config.max_recipients == 50u);
    CHECK_FALSE(config.extensions.smtputf8);
    CHECK_FALSE(config.extensions.starttls);  // no certificate, no STARTTLS
    CHECK_FALSE(config.require_tls);
    CHECK_FALSE(config.keep_content);
}

TEST_CASE("bare_newline sets the host's policy; absent, the config's stays", "[parse]") {
    smtp::ServerConfig config;
    config.bare_newline = smtp::BareNewlinePolicy::normalize;  // as from --bare-newline
    apply_server_settings(behaviour_from("{}"), config);
    CHECK(config.bare_newline == smtp::BareNewlinePolicy::normalize);
    for (auto [text, policy] : {std::pair{"reject", smtp::BareNewlinePolicy::reject},
                                std::pair{"normalize", smtp::BareNewlinePolicy::normalize},
                                std::pair{"accept", smtp::BareNewlinePolicy::accept}}) {
        auto behaviour = behaviour_from(std::string(R"({"bare_newline": ")") + text + "\"}");
        REQUIRE(behaviour.bare_newline);
        CHECK(*behaviour.bare_newline == policy);
        smtp::ServerConfig host;
        host.bare_newline = smtp::BareNewlinePolicy::normalize;
        apply_server_settings(behaviour, host);
        CHECK(host.bare_newline == policy);
    }
}

TEST_CASE("end_of_data makes the host vulnerable to those look-alikes only", "[parse]") {
    using smtp::EodLookalike;
    using smtp::Newline;
    smtp::ServerConfig plain;
    apply_server_settings(behaviour_from("{}"), plain);
    CHECK(plain.vulnerable_end_of_data.empty());
    smtp::ServerConfig host;
    apply_server_settings(behaviour_from(R"({"end_of_data": ["<LF>.<LF>", "crlf-dot-nul-crlf"]})"),
                          host);
    CHECK(host.vulnerable_end_of_data.contains(EodLookalike{Newline::lf, false, Newline::lf}));
    CHECK(host.vulnerable_end_of_data.contains(EodLookalike{Newline::crlf, true, Newline::crlf}));
    CHECK_FALSE(
        host.vulnerable_end_of_data.contains(EodLookalike{Newline::lf, false, Newline::cr}));
    smtp::ServerConfig one;
    apply_server_settings(behaviour_from(R"({"end_of_data": "cr-dot-cr"})"), one);
    CHECK(one.vulnerable_end_of_data.contains(EodLookalike{Newline::cr, false, Newline::cr}));
}

TEST_CASE("TLS variants are parsed", "[parse][tls]") {
    auto b = behaviour_from(
        R"({"tls": {"certificate": "wrong-host", "versions": "1.3", "broken_starttls": true}})");
    CHECK(b.tls.certificate == CertificateKind::wrong_host);
    CHECK(b.tls.versions == TlsVersions::tls1_3);
    CHECK(b.tls.broken_starttls);
    auto d = behaviour_from("{}");
    CHECK(d.tls.certificate == CertificateKind::valid);
    CHECK(d.tls.versions == TlsVersions::any);
    CHECK_FALSE(d.tls.broken_starttls);
    CHECK(to_string(CertificateKind::self_signed) == "self-signed");
}

TEST_CASE("reply forms: a string or an object with lines", "[parse][reply]") {
    auto b = behaviour_from(R"({"rules": [
        {"phase": "rcpt", "reply": "452 4.2.2 Mailbox full"},
        {"phase": "rcpt", "reply": {"code": 554, "enhanced": "5.7.1", "text": ["one", "two"]}},
        {"phase": "rcpt", "reply": "421"},
        {"phase": "data", "reply": {"code": 354, "text": "Go ahead"}}
    ]})");
    REQUIRE(b.rules.size() == 4);
    CHECK(b.rules[0].reply->code == 452);
    CHECK(b.rules[0].reply->enhanced == "4.2.2");
    CHECK(b.rules[0].reply->lines == std::vector<std::string>{"Mailbox full"});
    CHECK(smtp::format_reply(*b.rules[1].reply) == "554-5.7.1 one\r\n554 5.7.1 two\r\n");
    CHECK(b.rules[2].reply->code == 421);
    CHECK(b.rules[2].reply->enhanced.empty());
    CHECK(b.rules[3].reply->code == 354);
    CHECK(b.rules[0].name == "rules/0");
}
