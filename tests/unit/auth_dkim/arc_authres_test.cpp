// ARC seal + verify over several hops, chain damage, and Authentication-Results parsing of
// hostile input.
#include <catch2/catch.hpp>

#include "probes/auth/arc_seal.hpp"
#include "probes/auth/arc_verify.hpp"
#include "probes/auth/authres.hpp"
#include "tests/conformance/dkim/dkim_test_support.hpp"

using namespace relaylab::auth;
using relaylab::auth::test::MapDns;

namespace {

const std::string message =
    "Authentication-Results: hop.example; spf=pass smtp.mailfrom=a@example.com\r\n"
    "From: a@example.com\r\nTo: list@example.org\r\nSubject: arc\r\n\r\nbody\r\n";

const PrivateKey& rsa_key() {
    static const PrivateKey key = [] {
        std::string error;
        return *PrivateKey::generate(KeyType::rsa, 1024, error);
    }();
    return key;
}

ArcSealOptions hop(const std::string& domain) {
    ArcSealOptions options;
    options.domain = domain;
    options.selector = "arc";
    options.authserv_id = "hop.example";
    options.timestamp = 1700000000;
    return options;
}

}  // namespace

TEST_CASE("ARC: three hops seal and verify; damage fails the chain", "[arc][unit]") {
    MapDns dns;
    for (std::string d : {"one.example", "two.example", "three.example"})
        dns.add("arc._domainkey." + d, "v=DKIM1; k=rsa; p=" + rsa_key().public_key_base64());
    CHECK(verify_arc(message, dns).result == ArcResult::none);

    std::string current = message;
    std::uint32_t instance = 0;
    for (std::string d : {"one.example", "two.example", "three.example"}) {
        ArcSealResult sealed = arc_seal(current, rsa_key(), hop(d), dns);
        INFO(sealed.reason);
        REQUIRE(sealed.sealed);
        CHECK(sealed.instance == ++instance);
        CHECK(sealed.cv == (instance == 1 ? ArcResult::none : ArcResult::pass));
        CHECK(sealed.aar.find("spf=pass") != std::string::npos);
        current = sealed.fields + current;
        ArcVerdict verdict = verify_arc(current, dns);
        INFO(verdict.reason);
        CHECK(verdict.result == ArcResult::pass);
        CHECK(verdict.instances == instance);
    }

    SECTION("body changed after the last seal") {
        ArcVerdict v = verify_arc(current + "tampered\r\n", dns);
        CHECK(v.result == ArcResult::fail);
        CHECK(v.reason.find("body hash mismatch") != std::string::npos);
    }
    SECTION("an older AAR changed") {
        std::string changed = current;
        std::size_t at = changed.find("ARC-Authentication-Results: i=1");
        REQUIRE(at != std::string::npos);
        changed.replace(changed.find("spf=pass", at), 8, "spf=fail");
        ArcVerdict v = verify_arc(changed, dns);
        CHECK(v.result == ArcResult::fail);
        CHECK(v.reason.find("ARC-Seal") != std::string::npos);
    }
    SECTION("a set removed") {
        std::string removed = current;
        std::size_t at = removed.find("ARC-Seal:");
        removed.erase(at, removed.find("\r\n", at) + 2 - at);
        CHECK(verify_arc(removed, dns).result == ArcResult::fail);
    }
    SECTION("key unavailable: fail marked temporary") {
        MapDns broken;
        broken.fail("arc._domainkey.three.example", DnsStatus::timeout);
        ArcVerdict v = verify_arc(current, broken);
        CHECK(v.result == ArcResult::fail);
        CHECK(v.temporary);
    }
    SECTION("a failed chain is sealed with cv=fail once, then no more") {
        ArcSealResult failed =
            arc_seal(current + "tampered\r\n", rsa_key(), hop("one.example"), dns);
        REQUIRE(failed.sealed);
        CHECK(failed.cv == ArcResult::fail);
        std::string next = failed.fields + current + "tampered\r\n";
        CHECK(verify_arc(next, dns).result == ArcResult::fail);
        CHECK_FALSE(arc_seal(next, rsa_key(), hop("two.example"), dns).sealed);
    }
}

TEST_CASE("ARC: hostile structures fail with a reason", "[arc][unit]") {
    MapDns dns;
    for (const std::string& bad : {
             std::string("ARC-Seal: i=1; cv=none\r\nFrom: a\r\n\r\n"),
             std::string("ARC-Authentication-Results: no instance\r\nFrom: a\r\n\r\n"),
             std::string("ARC-Authentication-Results: i=99; x\r\nFrom: a\r\n\r\n"),
             std::string("ARC-Authentication-Results: i=1; a\r\nARC-Authentication-Results: i=1; "
                         "b\r\nFrom: a\r\n\r\n"),
         }) {
        ArcVerdict v = verify_arc(bad, dns);
        CHECK(v.result == ArcResult::fail);
        CHECK_FALSE(v.reason.empty());
    }
    CHECK(aar_instance(" i = 3 ; x") == std::optional<std::uint32_t>(3));
    CHECK_FALSE(aar_instance("i=3 x").has_value());
    CHECK_FALSE(aar_instance("x=3;").has_value());
}

TEST_CASE("Authentication-Results: write, parse, reject", "[authres][unit]") {
    AuthenticationResults header;
    header.authserv_id = "mx.example.org";
    AuthResResult dkim;
    dkim.method = "dkim";
    dkim.result = "pass";
    dkim.comment = "2048-bit key";
    dkim.properties = {{"header", "d", "example.com", ""}, {"header", "b", "Qgi/FoC0", ""}};
    header.results.push_back(dkim);
    std::string text = format_authentication_results(header);
    CHECK(text ==
          "mx.example.org; dkim=pass (2048-bit key) header.d=example.com header.b=\"Qgi/FoC0\"");
    auto parsed = parse_authentication_results(text);
    REQUIRE(parsed.header);
    CHECK(format_authentication_results(*parsed.header) == text);

    auto folded = parse_authentication_results(
        " mx.example.org (comment (nested));\r\n\tspf=pass (ok) smtp.mailfrom=a@b;\r\n "
        "dkim/1=none;");
    REQUIRE(folded.header);
    REQUIRE(folded.header->results.size() == 2);
    CHECK(folded.header->results[0].comment == "ok");
    CHECK(folded.header->results[1].method_version == std::optional<std::string>("1"));

    std::string deep = "x; spf=pass ";
    for (int i = 0; i < 50; ++i)
        deep += "(";
    std::string many = "x";
    for (int i = 0; i < 100; ++i)
        many += "; spf=pass";
    for (const std::string& bad :
         {std::string(""), std::string("x"), std::string("x; spf"),
          std::string("x; spf=pass (unterminated"), std::string("x; spf=pass smtp.mailfrom=\"open"),
          std::string("x; spf=pass smtp.=a"), deep, many, std::string("x; =pass"),
          std::string("x; none extra")}) {
        INFO(bad);
        auto result = parse_authentication_results(bad);
        CHECK_FALSE(result.header.has_value());
        CHECK_FALSE(result.error.empty());
    }
    CHECK(split_authres_raw("id; a=1 (x;y); b=\"q;r\"; ") ==
          std::vector<std::string>{"id", "a=1 (x;y)", "b=\"q;r\""});
}
