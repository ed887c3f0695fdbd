// MessageJudge over an in-memory zone: each method's verdict for the cases a receiver meets
// (pass, forged IP, altered body, null sender, DNS failures), the query protocol (independent
// queries together, one lookup per name, abandon_dns), and hostile messages.
#include <catch2/catch.hpp>
#include <set>

#include "probes/auth/arc_seal.hpp"
#include "probes/auth/message_judge.hpp"
#include "probes/auth/verdict_format.hpp"
#include "tests/unit/auth_policy/judge_fixture.hpp"

using namespace relaylab::auth;
using namespace relaylab::auth::test;

namespace {

struct World {
    MemoryDns dns;
    World() { add_sender_zone(dns); }
    Verdicts judge(const JudgeInput& input, JudgeOptions options = {}) {
        return judge_message(input, dns, options);
    }
};

}  // namespace

TEST_CASE("judge: signed message from an allowed IP passes SPF, DKIM and DMARC", "[judge]") {
    World world;
    Verdicts v = world.judge(input_for(signed_message()));
    CHECK(v.spf.result == SpfResult::pass);
    CHECK(v.spf.domain == "example.test");
    CHECK(v.spf.identity == SpfIdentity::mail_from);
    REQUIRE(v.dkim.size() == 1);
    CHECK(v.dkim[0].result == DkimResult::pass);
    CHECK(v.dkim[0].domain == "example.test");
    CHECK(v.dkim[0].selector == "s1");
    CHECK(v.dmarc.result == DmarcResult::pass);
    CHECK(v.dmarc.policy == DmarcPolicy::none);
    CHECK(v.dmarc.domain == "example.test");
    CHECK(v.arc.result == ArcResult::none);
    CHECK(v.arc.reason == "no ARC header fields");
    CHECK(v.authserv_id == "mx.relaylab.test");
    CHECK_FALSE(v.dns_budget_exhausted);
    // SPF TXT, the DKIM key, _dmarc: nothing asked twice.
    CHECK(v.dns_queries == 3);
    CHECK(world.dns.lookups() == 3);
}

TEST_CASE("judge: SPF fails for a foreign IP; aligned DKIM still passes DMARC", "[judge]") {
    World world;
    Verdicts v = world.judge(input_for(signed_message(), foreign_ip));
    CHECK(v.spf.result == SpfResult::fail);
    CHECK(v.spf.reason.find("-all") != std::string::npos);
    CHECK(v.dmarc.result == DmarcResult::pass);
    CHECK(summarize(v).spf == "fail");
    CHECK(summarize(v).dkim == "pass");
}

TEST_CASE("judge: body altered after signing fails DKIM; DMARC p=reject applies", "[judge]") {
    World world;
    std::string message = signed_message();
    message.replace(message.find("Hello Bob."), 10, "Hello Eve.");
    Verdicts v = world.judge(input_for(message, foreign_ip));
    REQUIRE(v.dkim.size() == 1);
    CHECK(v.dkim[0].result == DkimResult::fail);
    CHECK(v.dkim[0].reason.find("body hash") != std::string::npos);
    CHECK(v.spf.result == SpfResult::fail);
    CHECK(v.dmarc.result == DmarcResult::fail);
    CHECK(v.dmarc.policy == DmarcPolicy::reject);
    VerdictSummary summary = summarize(v);
    CHECK(summary.dkim == "fail");
    CHECK(summary.dmarc == "fail");
    CHECK(summary.dmarc_policy == "reject");
    CHECK(summary.arc == "none");
}

TEST_CASE("judge: unsigned mail from a foreign IP is rejected by DMARC policy", "[judge]") {
    World world;
    Verdicts v = world.judge(input_for(plain_message(), foreign_ip));
    CHECK(v.dkim.empty());
    CHECK(summarize(v).dkim == "none");
    CHECK(v.dmarc.result == DmarcResult::fail);
    CHECK(v.dmarc.policy == DmarcPolicy::reject);
}

TEST_CASE("judge: a null reverse-path checks the HELO identity (RFC 7208 2.4)", "[judge]") {
    World world;
    for (const char* null_sender : {"", "<>"}) {
        INFO("MAIL FROM:" << null_sender);
        Verdicts v = world.judge(input_for(plain_message(), "198.51.100.7", null_sender));
        CHECK(v.spf.result == SpfResult::pass);
        CHECK(v.spf.domain == helo_name);
        CHECK(v.spf.identity == SpfIdentity::helo);
        // mail.example.test and example.test share an organisational domain: relaxed SPF
        // alignment (RFC 7489 3.1.2) lets DMARC pass on the HELO identity.
        CHECK(v.dmarc.result == DmarcResult::pass);
    }
}

TEST_CASE("judge: DNS failures give temperror with the failing lookup named", "[judge]") {
    SECTION("SERVFAIL for the DKIM key") {
        World world;
        world.dns.fail("s1._domainkey.example.test", RrType::txt, DnsStatus::servfail);
        Verdicts v = world.judge(input_for(signed_message()));
        REQUIRE(v.dkim.size() == 1);
        CHECK(v.dkim[0].result == DkimResult::temperror);
        CHECK(v.dkim[0].reason.find("SERVFAIL") != std::string::npos);
        CHECK(v.dmarc.result == DmarcResult::pass);  // SPF still aligns
    }
    SECTION("timeout for the DMARC record") {
        World world;
        world.dns.fail("_dmarc.example.test", RrType::txt, DnsStatus::timeout);
        Verdicts v = world.judge(input_for(signed_message()));
        CHECK(v.dmarc.result == DmarcResult::temperror);
        CHECK(v.dmarc.reason.find("_dmarc.example.test") != std::string::npos);
    }
    SECTION("SERVFAIL for the SPF record") {
        World world;
        world.dns.fail("example.test", RrType::txt, DnsStatus::servfail);
        Verdicts v = world.judge(input_for(signed_message()));
        CHECK(v.spf.result == SpfResult::temperror);
    }
}

TEST_CASE("judge: independent queries are handed out together", "[judge][protocol]") {
    MemoryDns dns;
    add_sender_zone(dns);
    MessageJudge judge(input_for(signed_message()));
    std::set<std::string> first_round;
    std::vector<DnsQuery> asked;
    while (auto query = judge.next_query()) {
        first_round.insert(query->name);
        asked.push_back(*query);
    }
    // SPF's first query and the DKIM key; DMARC must wait for both verdicts.
    CHECK(first_round == std::set<std::string>{"example.test", "s1._domainkey.example.test"});
    CHECK_FALSE(judge.done());
    // Answers in any order.
    for (auto it = asked.rbegin(); it != asked.rend(); ++it)
        judge.provide(*it, dns.lookup(*it));
    auto dmarc_query = judge.next_query();
    REQUIRE(dmarc_query);
    CHECK(dmarc_query->name == "_dmarc.example.test");
    CHECK_FALSE(judge.next_query());
    judge.provide(*dmarc_query, dns.lookup(*dmarc_query));
    REQUIRE(judge.done());
    CHECK(judge.verdicts().dmarc.result == DmarcResult::pass);
    CHECK_THROWS_AS(judge.provide(*dmarc_query, {}), std::logic_error);
}

TEST_CASE("judge: DKIM and ARC sharing a key ask for it once", "[judge][protocol]") {
    // ARC signs with RSA only (RFC 8617 4.1.3).
    std::string error;
    static const auto rsa = PrivateKey::generate(KeyType::rsa, 1024, error);
    REQUIRE(rsa);
    World world;
    world.dns.add("r1._domainkey.example.test", RrType::txt,
                  "v=DKIM1; k=rsa; p=" + rsa->public_key_base64());
    DkimSignOptions dkim;
    dkim.domain = "example.test";
    dkim.selector = "r1";
    auto signature = dkim_sign(plain_message(), *rsa, dkim);
    REQUIRE(signature.ok());
    const std::string signed_ = signature.field + plain_message();
    ArcSealOptions seal;
    seal.domain = "example.test";
    seal.selector = "r1";
    seal.authserv_id = "relay.example.test";
    ArcSealResult sealed = arc_seal(signed_, *rsa, seal, ArcResult::none);
    INFO(sealed.reason);
    REQUIRE(sealed.sealed);
    Verdicts v = world.judge(input_for(sealed.fields + signed_));
    CHECK(v.arc.result == ArcResult::pass);
    CHECK(v.dkim.at(0).result == DkimResult::pass);
    // SPF TXT, r1._domainkey (the DKIM signature, the AMS and the seal), _dmarc.
    CHECK(v.dns_queries == 3);
    CHECK(world.dns.lookups() == 3);
}

TEST_CASE("judge: abandon_dns finishes at once with timeouts", "[judge][protocol]") {
    MessageJudge judge(input_for(signed_message()));
    REQUIRE(judge.next_query());
    REQUIRE(judge.next_query());
    judge.abandon_dns();
    REQUIRE(judge.done());
    const Verdicts& v = judge.verdicts();
    CHECK(v.dns_budget_exhausted);
    CHECK(v.spf.result == SpfResult::temperror);
    CHECK(v.dkim.at(0).result == DkimResult::temperror);
    CHECK(v.dmarc.result == DmarcResult::temperror);
    CHECK_FALSE(judge.next_query());
}

TEST_CASE("judge: a zero time budget decides without DNS", "[judge][protocol]") {
    World world;
    JudgeOptions options;
    options.time_budget = std::chrono::milliseconds(0);
    Verdicts v = world.judge(input_for(signed_message()), options);
    CHECK(v.dns_budget_exhausted);
    CHECK(world.dns.lookups() == 0);
    CHECK(v.spf.result == SpfResult::temperror);
}

TEST_CASE("judge: hostile messages give verdicts with reasons", "[judge][hostile]") {
    World world;
    SECTION("binary junk") {
        std::string junk(4096, '\0');
        for (std::size_t i = 0; i < junk.size(); ++i)
            junk[i] = static_cast<char>(i * 131 % 256);
        Verdicts v = world.judge(input_for(junk));
        CHECK(v.dmarc.result == DmarcResult::permerror);
        CHECK_FALSE(v.dmarc.reason.empty());
        CHECK_FALSE(to_compact_json(v).empty());
        CHECK_FALSE(authentication_results_field(v).empty());
    }
    SECTION("no header section at all") {
        Verdicts v = world.judge(input_for(""));
        CHECK(v.dmarc.result == DmarcResult::permerror);
        CHECK(v.spf.result == SpfResult::pass);
    }
    SECTION("two From fields") {
        Verdicts v = world.judge(input_for("From: a@example.test\r\n" + plain_message()));
        CHECK(v.dmarc.result == DmarcResult::permerror);
        CHECK(v.dmarc.reason.find("exactly one From") != std::string::npos);
    }
    SECTION("a hundred DKIM signatures cost at most max_dkim_signatures lookups") {
        std::string message = plain_message();
        for (int i = 0; i < 100; ++i) {
            message = "DKIM-Signature: v=1; a=ed25519-sha256; d=example.test; s=k" +
                      std::to_string(i) + "; h=from; bh=AAAA; b=AAAA\r\n" + message;
        }
        Verdicts v = world.judge(input_for(message));
        CHECK(world.dns.lookups() <= max_dkim_signatures + 3);
        CHECK(v.dkim.size() == max_dkim_signatures);
        CHECK(summarize(v).dkim != "pass");
    }
    SECTION("a message over the size limit") {
        std::string huge = plain_message() + std::string(max_message_bytes, 'x');
        Verdicts v = world.judge(input_for(std::move(huge)));
        CHECK(v.dmarc.result == DmarcResult::permerror);
        REQUIRE(v.dkim.empty() == false);
        CHECK(v.dkim[0].result == DkimResult::permerror);
    }
}
