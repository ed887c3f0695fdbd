// DKIM sign + verify, the sans-I/O driving, and every verdict with its reason.
#include <catch2/catch.hpp>

#include "probes/auth/dkim_sign.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "tests/conformance/dkim/dkim_test_support.hpp"

using namespace relaylab::auth;
using relaylab::auth::test::MapDns;

namespace {

const std::string message =
    "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hi\r\n"
    "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n"
    "Hello.\r\n";

struct Keys {
    PrivateKey rsa;
    PrivateKey ed;
};

// RFC 8032 7.1 TEST 1 seed, and one RSA key generated once for the whole binary.
const Keys& keys() {
    static const Keys k = [] {
        std::string error;
        auto rsa = PrivateKey::generate(KeyType::rsa, 1024, error);
        auto ed = PrivateKey::from_ed25519_seed(std::string(
            "\x9d\x61\xb1\x9d\xef\xfd\x5a\x60\xba\x84\x4a\xf4\x92\xec\x2c\xc4\x44\x49\xc5\x69\x7b"
            "\x32\x69\x19\x70\x3b\xac\x03\x1c\xae\x7f\x60",
            32));
        return Keys{*rsa, *ed};
    }();
    return k;
}

std::string record(const PrivateKey& key, const std::string& extra = "") {
    return "v=DKIM1; k=" + std::string(key_type_name(key.type())) + "; " + extra +
           "p=" + key.public_key_base64();
}

std::string sign(const PrivateKey& key, const std::string& selector, DkimSignOptions options = {},
                 const std::string& msg = message) {
    options.domain = "example.com";
    options.selector = selector;
    auto result = dkim_sign(msg, key, options);
    REQUIRE(result.ok());
    return result.field;
}

DkimVerdict verify_one(const std::string& signed_message, MapDns& dns,
                       DkimVerifyOptions options = {}) {
    auto verdicts = verify_dkim(signed_message, dns, options);
    REQUIRE(verdicts.size() == 1);
    return verdicts[0];
}

}  // namespace

TEST_CASE("sign then verify: rsa and ed25519, all canonicalisations", "[dkim][unit]") {
    MapDns dns;
    dns.add("rsa._domainkey.example.com", record(keys().rsa));
    dns.add("ed._domainkey.example.com", record(keys().ed));
    CHECK(keys().ed.public_key_base64() == "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    for (Canon h : {Canon::simple, Canon::relaxed}) {
        for (Canon b : {Canon::simple, Canon::relaxed}) {
            DkimSignOptions options;
            options.header_canon = h;
            options.body_canon = b;
            for (auto [selector, key] :
                 {std::pair{"rsa", &keys().rsa}, std::pair{"ed", &keys().ed}}) {
                DkimVerdict verdict = verify_one(sign(*key, selector, options) + message, dns);
                INFO(selector << " " << canon_name(h) << "/" << canon_name(b) << ": "
                              << verdict.reason);
                CHECK(verdict.result == DkimResult::pass);
                CHECK(verdict.domain == "example.com");
            }
        }
    }
}

TEST_CASE("verdicts carry the reason", "[dkim][unit]") {
    MapDns dns;
    dns.add("rsa._domainkey.example.com", record(keys().rsa));
    std::string field = sign(keys().rsa, "rsa");

    SECTION("body changed: body hash mismatch") {
        auto v = verify_one(field + message + "more\r\n", dns);
        CHECK(v.result == DkimResult::fail);
        CHECK(v.reason.find("body hash mismatch") != std::string::npos);
    }
    SECTION("signed header changed: signature did not verify") {
        std::string changed = message;
        changed.replace(changed.find("Subject: hi"), 11, "Subject: HI");
        auto v = verify_one(field + changed, dns);
        CHECK(v.result == DkimResult::fail);
        CHECK(v.reason.find("did not verify") != std::string::npos);
    }
    SECTION("over-signed From: adding a second From breaks the signature") {
        auto v = verify_one(field + "From: mallory@evil.example\r\n" + message, dns);
        CHECK(v.result == DkimResult::fail);
    }
    SECTION("relaxed survives refolding and case changes of header names") {
        std::string refolded = message;
        refolded.replace(refolded.find("Subject: hi"), 11, "subject:   hi  ");
        CHECK(verify_one(field + refolded, dns).result == DkimResult::pass);
    }
    SECTION("key not found") {
        MapDns empty;
        auto v = verify_one(field + message, empty);
        CHECK(v.result == DkimResult::permerror);
        CHECK(v.reason.find("key not found") != std::string::npos);
    }
    SECTION("DNS failure: temperror") {
        MapDns broken;
        broken.fail("rsa._domainkey.example.com", DnsStatus::servfail);
        auto v = verify_one(field + message, broken);
        CHECK(v.result == DkimResult::temperror);
        CHECK(v.reason.find("SERVFAIL") != std::string::npos);
    }
    SECTION("REFUSED: temperror that names REFUSED, not SERVFAIL") {
        MapDns refusing;
        refusing.fail("rsa._domainkey.example.com", DnsStatus::refused);
        auto v = verify_one(field + message, refusing);
        CHECK(v.result == DkimResult::temperror);
        CHECK(v.reason.find("REFUSED") != std::string::npos);
        CHECK(v.reason.find("SERVFAIL") == std::string::npos);
    }
    SECTION("revoked key") {
        MapDns revoked;
        revoked.add("rsa._domainkey.example.com", "v=DKIM1; k=rsa; p=");
        auto v = verify_one(field + message, revoked);
        CHECK(v.result == DkimResult::permerror);
        CHECK(v.reason.find("revoked") != std::string::npos);
    }
    SECTION("key type does not match a=") {
        MapDns wrong;
        wrong.add("rsa._domainkey.example.com", record(keys().ed));
        auto v = verify_one(field + message, wrong);
        CHECK(v.result == DkimResult::permerror);
        CHECK(v.reason.find("does not match") != std::string::npos);
    }
    SECTION("key h= without sha256") {
        MapDns wrong;
        wrong.add("rsa._domainkey.example.com", record(keys().rsa, "h=sha1; "));
        CHECK(verify_one(field + message, wrong).reason.find("sha256") != std::string::npos);
    }
    SECTION("key s= not email") {
        MapDns wrong;
        wrong.add("rsa._domainkey.example.com", record(keys().rsa, "s=tlsrpt; "));
        CHECK(verify_one(field + message, wrong).reason.find("email") != std::string::npos);
    }
    SECTION("t=y is reported, t=s refuses a subdomain identity") {
        MapDns testing;
        testing.add("rsa._domainkey.example.com", record(keys().rsa, "t=y:s; "));
        auto v = verify_one(field + message, testing);
        CHECK(v.result == DkimResult::pass);
        CHECK(v.testing);
        DkimSignOptions options;
        options.identity = "@mail.example.com";
        auto sub = verify_one(sign(keys().rsa, "rsa", options) + message, testing);
        CHECK(sub.result == DkimResult::permerror);
        CHECK(sub.reason.find("t=s") != std::string::npos);
    }
    SECTION("expired signature") {
        DkimSignOptions options;
        options.timestamp = 1000;
        options.expiration = 2000;
        DkimVerifyOptions now;
        now.now = 3000;
        auto v = verify_one(sign(keys().rsa, "rsa", options) + message, dns, now);
        CHECK(v.result == DkimResult::permerror);
        CHECK(v.reason.find("expired") != std::string::npos);
        now.now = 1500;
        CHECK(verify_one(sign(keys().rsa, "rsa", options) + message, dns, now).result ==
              DkimResult::pass);
    }
    SECTION("bad algorithm") {
        std::string sha1 = field;
        sha1.replace(sha1.find("a=rsa-sha256"), 12, "a=rsa-sha1");
        auto v = verify_one(sha1 + message, dns);
        CHECK(v.result == DkimResult::permerror);
        CHECK(v.reason.find("rsa-sha1") != std::string::npos);
    }
    SECTION("broken base64 in b=") {
        std::string broken = field;
        broken.replace(broken.find(" b=") + 3, 4, "!!!!");
        auto v = verify_one(broken + message, dns);
        CHECK(v.result == DkimResult::permerror);
        CHECK(v.reason.find("base64") != std::string::npos);
    }
    SECTION("a 512-bit key is refused") {
        std::string error;
        auto small = PrivateKey::generate(KeyType::rsa, 512, error);
        REQUIRE(small.has_value());
        DkimSignOptions options;
        options.domain = "example.com";
        options.selector = "rsa";
        CHECK_FALSE(dkim_sign(message, *small, options).ok());  // signer refuses too
        MapDns weak;
        weak.add("rsa._domainkey.example.com", record(*small));
        auto v = verify_one(field + message, weak);
        CHECK(v.result == DkimResult::permerror);
        CHECK(v.reason.find("too small") != std::string::npos);
    }
}

TEST_CASE("l= lets appended text pass, and l= beyond the body fails", "[dkim][unit]") {
    MapDns dns;
    dns.add("ed._domainkey.example.com", record(keys().ed));
    DkimSignOptions options;
    options.body_length = true;
    std::string field = sign(keys().ed, "ed", options);
    CHECK(verify_one(field + message + "appended by a list\r\n", dns).result == DkimResult::pass);
    auto shorter = verify_one(field + message.substr(0, message.size() - 4) + "\r\n", dns);
    CHECK(shorter.result == DkimResult::fail);
}

TEST_CASE("several signatures: one verdict each, key lookups deduplicated", "[dkim][unit]") {
    MapDns dns;
    dns.add("rsa._domainkey.example.com", record(keys().rsa));
    dns.add("ed._domainkey.example.com", record(keys().ed));
    std::string both = sign(keys().ed, "ed") + sign(keys().rsa, "rsa") + sign(keys().rsa, "rsa") +
                       "DKIM-Signature: v=1; garbage\r\n" + message;
    DkimVerifier verifier(both);
    std::vector<DnsQuery> asked;
    while (auto q = verifier.next_query()) {
        asked.push_back(*q);
        verifier.provide(*q, dns.lookup(*q));
    }
    CHECK(asked.size() == 2);
    auto verdicts = verifier.results();
    REQUIRE(verdicts.size() == 4);
    CHECK(verdicts[0].result == DkimResult::pass);
    CHECK(verdicts[0].algorithm == "ed25519-sha256");
    CHECK(verdicts[1].result == DkimResult::pass);
    CHECK(verdicts[2].result == DkimResult::pass);
    CHECK(verdicts[3].result == DkimResult::permerror);
    CHECK(verdicts[3].reason.find("bad signature field") != std::string::npos);
}

TEST_CASE("an unanswered query is a temperror, not a crash", "[dkim][unit]") {
    DkimVerifier verifier(sign(keys().rsa, "rsa") + message);
    REQUIRE(verifier.next_query().has_value());
    auto verdicts = verifier.results();
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].result == DkimResult::temperror);
}

TEST_CASE("hostile messages: every prefix and a flood of signatures", "[dkim][unit]") {
    MapDns dns;
    dns.add("rsa._domainkey.example.com", record(keys().rsa));
    std::string signed_message = sign(keys().rsa, "rsa") + message;
    // Every truncation gives verdicts with reasons and never crashes.
    for (std::size_t cut = 0; cut < signed_message.size(); cut += 7) {
        for (const DkimVerdict& v : verify_dkim(signed_message.substr(0, cut), dns))
            CHECK_FALSE(v.reason.empty());
    }
    std::string flood;
    for (int i = 0; i < 200; ++i)
        flood += sign(keys().rsa, "rsa");
    dns.lookups = 0;
    auto verdicts = verify_dkim(flood + message, dns);
    CHECK(verdicts.size() == max_dkim_signatures);
    CHECK(dns.lookups == 1);
    auto malformed = verify_dkim(" bad start\r\n" + signed_message, dns);
    REQUIRE(malformed.size() == 1);
    CHECK(malformed[0].result == DkimResult::permerror);
    CHECK(malformed[0].reason.find("malformed") != std::string::npos);
}

TEST_CASE("default signing: over-signing and h= contents", "[dkim][unit]") {
    std::string field = sign(keys().ed, "ed");
    CHECK(field.find("h=from:from:subject:subject:date:date:to:to:message-id:message-id") !=
          std::string::npos);
    DkimSignOptions options;
    options.headers = {"to", "subject"};
    std::string given = sign(keys().ed, "ed", options);
    CHECK(given.find("h=from:to:subject;") != std::string::npos);  // From added (RFC 6376 5.4)
    for (std::size_t pos = 0; (pos = field.find("\r\n", pos)) != std::string::npos; pos += 2)
        CHECK((pos + 2 == field.size() || field[pos + 2] == '\t'));
}
