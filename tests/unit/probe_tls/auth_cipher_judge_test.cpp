// EHLO keywords, tls.starttls, tls.cipher and tls.auth-before-tls from gathered facts.
#include <catch2/catch.hpp>

#include "probes/transport/tls_judge.hpp"

using namespace relaylab;
using namespace relaylab::probe;

namespace {

smtp::Reply ehlo(std::vector<std::string> keywords) {
    smtp::Reply reply;
    reply.code = 250;
    reply.lines.push_back("mx.example.test");
    for (auto& k : keywords)
        reply.lines.push_back(std::move(k));
    return reply;
}

}  // namespace

TEST_CASE("EHLO keywords: STARTTLS and AUTH mechanisms, any case", "[probe][tls][ehlo]") {
    TlsEhloFacts a = ehlo_facts(ehlo({"PIPELINING", "starttls", "auth plain LOGIN", "AUTH=LOGIN"}));
    CHECK(a.starttls);
    CHECK(a.auth);
    CHECK(a.auth_mechanisms == std::vector<std::string>{"PLAIN", "LOGIN"});

    // The greeting line is a name, not a keyword, even when it reads like one.
    TlsEhloFacts b = ehlo_facts([] {
        smtp::Reply r;
        r.code = 250;
        r.lines = {"STARTTLS", "SIZE 1000"};
        return r;
    }());
    CHECK_FALSE(b.starttls);

    smtp::Reply refused = ehlo({"STARTTLS"});
    refused.code = 502;
    CHECK_FALSE(ehlo_facts(refused).starttls);
}

TEST_CASE("tls.starttls verdicts", "[probe][tls][starttls]") {
    StarttlsFacts facts;
    SECTION("not offered fails") {
        CHECK(judge_starttls(facts).verdict == Verdict::fail);
        CHECK(judge_starttls(facts).explanation.find("not offered") != std::string::npos);
    }
    SECTION("dialogue broken is an error with the reason") {
        facts.error = "connection refused (127.0.0.1:1)";
        auto result = judge_starttls(facts);
        CHECK(result.verdict == Verdict::error);
        CHECK(result.explanation.find("connection refused") != std::string::npos);
    }
    SECTION("advertised but refused fails") {
        facts.offered = true;
        facts.starttls_reply = smtp::make_reply(454, "4.7.0", "TLS not available");
        auto result = judge_starttls(facts);
        CHECK(result.verdict == Verdict::fail);
        CHECK(result.explanation.find("454") != std::string::npos);
    }
    SECTION("handshake broken after 220 fails") {
        facts.offered = true;
        facts.starttls_reply = smtp::make_reply(220, "2.0.0", "Ready");
        facts.handshake_error = "peer did not speak TLS";
        auto result = judge_starttls(facts);
        CHECK(result.verdict == Verdict::fail);
        CHECK(result.explanation.find("peer did not speak TLS") != std::string::npos);
    }
    SECTION("working handshake passes") {
        facts.offered = true;
        facts.starttls_reply = smtp::make_reply(220, "2.0.0", "Ready");
        facts.handshake_ok = true;
        facts.version = "TLSv1.3";
        facts.cipher = "TLS_AES_256_GCM_SHA384";
        auto result = judge_starttls(facts);
        CHECK(result.verdict == Verdict::pass);
        CHECK(result.details["version"] == "TLSv1.3");
    }
}

TEST_CASE("tls.cipher verdicts", "[probe][tls][cipher]") {
    struct Case {
        CipherFacts facts;
        Verdict want;
    };
    const Case cases[] = {
        {{"TLSv1.3", "TLS_AES_256_GCM_SHA384", true, true, 256}, Verdict::pass},
        {{"TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", true, true, 256}, Verdict::pass},
        {{"TLSv1.2", "ECDHE-RSA-AES128-SHA", true, false, 128}, Verdict::warn},
        {{"TLSv1.2", "AES256-GCM-SHA384", false, true, 256}, Verdict::warn},
        {{"TLSv1.0", "DES-CBC3-SHA", false, false, 112}, Verdict::fail},
        {{"TLSv1.0", "RC4-SHA", false, false, 128}, Verdict::fail},
        {{"TLSv1.2", "NULL-SHA256", false, false, 0}, Verdict::fail},
    };
    for (const auto& c : cases) {
        auto result = judge_cipher(c.facts);
        INFO(c.facts.name << ": got " << to_string(result.verdict) << " \"" << result.explanation
                          << "\"");
        CHECK(result.name == "tls.cipher");
        CHECK(result.verdict == c.want);
        CHECK(result.details["cipher"] == c.facts.name);
    }
}

TEST_CASE("tls.auth-before-tls verdicts", "[probe][tls][auth]") {
    struct Case {
        const char* label;
        std::vector<std::string> plaintext;
        std::optional<std::vector<std::string>> after_tls;
        Verdict want;
        const char* explanation_part;
    };
    using V = std::vector<std::string>;
    const Case cases[] = {
        {"PLAIN in the clear",
         {"AUTH PLAIN LOGIN"},
         V{"AUTH PLAIN LOGIN"},
         Verdict::fail,
         "in the clear"},
        {"LOGIN only in the clear", {"AUTH LOGIN"}, std::nullopt, Verdict::fail, "before STARTTLS"},
        {"challenge mechanisms only",
         {"AUTH CRAM-MD5 SCRAM-SHA-256"},
         V{},
         Verdict::warn,
         "no cleartext mechanism"},
        {"after TLS only", {}, V{"AUTH PLAIN"}, Verdict::pass, "only after STARTTLS"},
        {"no AUTH at all", {}, V{}, Verdict::pass, "no AUTH"},
        {"no TLS, no AUTH", {}, std::nullopt, Verdict::pass, "no AUTH offered in plaintext"},
    };
    for (const auto& c : cases) {
        AuthExposureFacts facts;
        facts.plaintext = ehlo_facts(ehlo(c.plaintext));
        if (c.after_tls) facts.after_tls = ehlo_facts(ehlo(*c.after_tls));
        auto result = judge_auth_before_tls(facts);
        INFO(c.label << ": got " << to_string(result.verdict) << " \"" << result.explanation
                     << "\"");
        CHECK(result.name == "tls.auth-before-tls");
        CHECK(result.verdict == c.want);
        CHECK(result.explanation.find(c.explanation_part) != std::string::npos);
    }
}
