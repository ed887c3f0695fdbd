// The parsers under DKIM and ARC: message splitting, tag lists, base64, canonicalisation, key
// records and signature fields, including hostile input.
#include <catch2/catch.hpp>

#include "probes/auth/dkim_base64.hpp"
#include "probes/auth/dkim_canon.hpp"
#include "probes/auth/dkim_key_record.hpp"
#include "probes/auth/dkim_signature.hpp"
#include "probes/auth/dkim_tags.hpp"
#include "probes/auth/message_headers.hpp"

using namespace relaylab::auth;

TEST_CASE("parse_message splits header fields and body", "[dkim][unit]") {
    auto parsed = parse_message("From: a@b\r\nSubject: one\r\n two\r\n\r\nbody\r\n");
    REQUIRE(parsed.message);
    REQUIRE(parsed.message->headers.size() == 2);
    CHECK(parsed.message->headers[1].raw == "Subject: one\r\n two");
    CHECK(parsed.message->headers[1].name() == "Subject");
    CHECK(parsed.message->body == "body\r\n");

    SECTION("bare LF line ends become CRLF") {
        auto lf = parse_message("From: a@b\nSubject: x\n\tfolded\n\nline\n");
        REQUIRE(lf.message);
        CHECK(lf.message->headers[1].raw == "Subject: x\r\n\tfolded");
        CHECK(lf.message->body == "line\r\n");
    }
    SECTION("no blank line: headers only") {
        auto only = parse_message("From: a@b\r\nTo: c@d");
        REQUIRE(only.message);
        CHECK(only.message->headers.size() == 2);
        CHECK(only.message->body.empty());
    }
    SECTION("WSP before the colon is not part of the name") {
        auto obs = parse_message("Subject  : x\r\n\r\n");
        REQUIRE(obs.message);
        CHECK(obs.message->headers[0].name() == "Subject");
    }
}

TEST_CASE("parse_message rejects malformed and oversized header sections", "[dkim][unit]") {
    struct Case {
        std::string label, input, error_part;
    };
    std::string huge_field = "X-Big: " + std::string(max_header_field_bytes, 'a') + "\r\n\r\n";
    std::string many;
    for (std::size_t i = 0; i <= max_header_fields; ++i)
        many += "X-N: 1\r\n";
    std::string long_fold = "X-Fold: a";
    for (int i = 0; i < 20000; ++i)
        long_fold += "\r\n b";
    for (const Case& c : {
             Case{"continuation first", " folded\r\nFrom: a\r\n\r\n", "continuation"},
             Case{"no colon", "From: a\r\nnot a header\r\n\r\n", "not a header field"},
             Case{"empty name", ": value\r\n\r\n", "not a header field"},
             Case{"control in name", "Fr\x01om: a\r\n\r\n", "not a header field"},
             Case{"huge field", huge_field, "longer than"},
             Case{"too many fields", many, "more than"},
             Case{"huge folded field", long_fold + "\r\n\r\n", "longer than"},
         }) {
        INFO(c.label);
        auto parsed = parse_message(c.input);
        CHECK_FALSE(parsed.message.has_value());
        CHECK(parsed.error.find(c.error_part) != std::string::npos);
    }
}

TEST_CASE("tag lists follow RFC 6376 3.2", "[dkim][unit]") {
    auto ok = parse_tag_list(" v=1;\r\n\ta = rsa-sha256 ; b=abc\r\n def ;");
    REQUIRE(ok.ok());
    REQUIRE(ok.list.tags.size() == 3);
    CHECK(ok.list.find("a")->value == "rsa-sha256");
    CHECK(ok.list.find("b")->value == "abc\r\n def");
    CHECK(ok.list.find("B") == nullptr);  // names are case-sensitive
    CHECK(parse_tag_list("").ok());
    CHECK(parse_tag_list("a=").ok());

    struct Bad {
        std::string label, input;
    };
    std::string too_many;
    for (std::size_t i = 0; i <= max_tags; ++i)
        too_many += "t" + std::to_string(i) + "=1;";
    for (const Bad& bad : {Bad{"duplicate", "a=1; a=2"}, Bad{"no equals", "a=1; b"},
                           Bad{"digit first", "1a=x"}, Bad{"empty spec", "a=1;;b=2"},
                           Bad{"control char", std::string("a=\x01")}, Bad{"too many", too_many}}) {
        INFO(bad.label);
        auto parsed = parse_tag_list(bad.input);
        CHECK_FALSE(parsed.ok());
        CHECK_FALSE(parsed.error.empty());
    }
}

TEST_CASE("base64 with FWS, and broken base64", "[dkim][unit]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_decode("Zm9v\r\n YmFy") == std::optional<std::string>("foobar"));
    CHECK(base64_decode("Zg==") == std::optional<std::string>("f"));
    for (std::string bad : {"Zg=", "Zg===", "Z=g=", "Zm9v!", "Zm9", "Zg==Zg=="}) {
        INFO(bad);
        CHECK_FALSE(base64_decode(bad).has_value());
    }
}

TEST_CASE("canonicalisation, RFC 6376 3.4.5 examples", "[dkim][unit]") {
    // RFC 6376 3.4.5: "A: <SP> X <CRLF>" and "B <SP> : <SP> <HTAB> Y <HTAB><CRLF> <HTAB> Z
    // <SP><SP><CRLF>"
    CHECK(canon_header(Canon::relaxed, "A: X") == "a:X\r\n");
    CHECK(canon_header(Canon::relaxed, "B : \t Y\t\r\n\t Z  ") == "b:Y Z\r\n");
    CHECK(canon_header(Canon::simple, "B : \t Y\t\r\n\t Z  ") == "B : \t Y\t\r\n\t Z  \r\n");
    std::string body = " C \r\nD \t E\r\n\r\n\r\n";
    CHECK(canon_body(Canon::relaxed, body) == " C\r\nD E\r\n");
    CHECK(canon_body(Canon::simple, body) == " C \r\nD \t E\r\n");
    CHECK(canon_body(Canon::simple, "") == "\r\n");
    CHECK(canon_body(Canon::relaxed, "") == "");
    CHECK(canon_body(Canon::relaxed, "\r\n\r\n") == "");
    CHECK(canon_body(Canon::simple, "no newline") == "no newline\r\n");
    CHECK(canon_body(Canon::relaxed, "x  \t") == "x\r\n");
    // Lone CR and LF are data, not line ends; WSP before a CRLF goes, inner runs become SP.
    CHECK(canon_body(Canon::relaxed, "a\rb \n c\r\n\t lead\t\r\n\r\n") == "a\rb \n c\r\n lead\r\n");
    CHECK(canon_body(Canon::relaxed, "  \r\n \t") == "");
    CHECK(canon_body(Canon::relaxed, "end\r") == "end\r\r\n");
}

TEST_CASE("select_headers picks instances bottom-up and over-signs", "[dkim][unit]") {
    auto parsed = parse_message("To: 1\r\nFrom: f\r\nTo: 2\r\n\r\n");
    REQUIRE(parsed.message);
    auto selected = select_headers(parsed.message->headers, {"to", "TO", "to", "from"});
    REQUIRE(selected.size() == 3);
    CHECK(selected[0]->raw == "To: 2");
    CHECK(selected[1]->raw == "To: 1");
    CHECK(selected[2]->raw == "From: f");
}

TEST_CASE("key records: flags, revocation and bogus keys", "[dkim][unit]") {
    const std::string rsa_p =
        "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"
        "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLz"
        "BfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
    auto good = parse_key_record("v=DKIM1; k=rsa; t=y:s; h=sha256; s=email; p=" + rsa_p);
    REQUIRE(good.record);
    CHECK(good.record->testing);
    CHECK(good.record->strict_identity);
    CHECK(good.record->key->bits() == 1024);
    auto revoked = parse_key_record("v=DKIM1; p=");
    REQUIRE(revoked.record);
    CHECK(revoked.record->revoked);
    auto ed = parse_key_record("k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    REQUIRE(ed.record);
    CHECK(ed.record->type == KeyType::ed25519);

    struct Bad {
        std::string label, record, error_part;
    };
    for (const Bad& bad : {
             Bad{"v not first", "k=rsa; v=DKIM1; p=" + rsa_p, "first"},
             Bad{"wrong version", "v=DKIM2; p=" + rsa_p, "DKIM1"},
             Bad{"unknown k", "k=dsa; p=" + rsa_p, "unknown key type"},
             Bad{"no p", "v=DKIM1; k=rsa", "no p="},
             Bad{"broken base64", "p=MIGf!!", "base64"},
             Bad{"truncated key", "p=" + rsa_p.substr(0, 100), "not a valid rsa"},
             Bad{"ed25519 wrong size", "k=ed25519; p=AAAA", "not a valid ed25519"},
             Bad{"rsa key given as ed25519", "k=ed25519; p=" + rsa_p, "not a valid ed25519"},
             Bad{"garbage", "this is not a key record", "syntax"},
             Bad{"huge", "p=" + std::string(10000, 'A'), "larger"},
         }) {
        INFO(bad.label);
        auto parsed = parse_key_record(bad.record);
        CHECK_FALSE(parsed.record.has_value());
        CHECK(parsed.error.find(bad.error_part) != std::string::npos);
    }
}

TEST_CASE("DKIM-Signature fields: required tags and their checks", "[dkim][unit]") {
    const std::string base =
        "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; "
        "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dGVzdA==";
    auto field = [](const std::string& value) {
        return HeaderField{"DKIM-Signature: " + value, 14};
    };
    auto ok = parse_signature(field(base + "; c=relaxed; i=user@sub.example.com; t=1; x=2; l=10"),
                              SignatureKind::dkim);
    REQUIRE(ok.signature);
    CHECK(ok.signature->header_canon == Canon::relaxed);
    CHECK(ok.signature->body_canon == Canon::simple);  // "c=relaxed" = relaxed/simple
    CHECK(ok.signature->body_length == std::optional<std::uint64_t>(10));
    CHECK(ok.signature->raw_field_without_b.find("b=; c=relaxed") != std::string::npos);
    CHECK(key_record_name(*ok.signature) == "sel._domainkey.example.com");

    struct Bad {
        std::string label, value, error_part;
    };
    for (const Bad& bad : {
             Bad{"no v", "a=rsa-sha256; d=example.com; s=sel; h=from; bh=x; b=x",
                 "missing required tag v="},
             Bad{"v=2", "v=2" + base.substr(3), "unsupported version"},
             Bad{"sha1", "v=1; a=rsa-sha1" + base.substr(17), "RFC 8301"},
             Bad{"unknown a", "v=1; a=rsa-md5" + base.substr(17), "unknown algorithm"},
             Bad{"broken b", base.substr(0, base.size() - 8) + "%%%%", "b= is not valid base64"},
             Bad{"short bh",
                 "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=dGVzdA==; b=dGVzdA==", "bh="},
             Bad{"no from in h",
                 "v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; "
                 "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dGVzdA==",
                 "From"},
             Bad{"i outside d", base + "; i=@evil.example", "subdomain"},
             Bad{"i suffix trick", base + "; i=@notexample.com", "subdomain"},
             Bad{"bad c", base + "; c=fancy/simple", "canonicalization"},
             Bad{"bad l", base + "; l=ten", "l="},
             Bad{"x before t", base + "; t=100; x=50", "later than t="},
             Bad{"bad d",
                 "v=1; a=rsa-sha256; d=exa mple..com; s=sel; h=from; "
                 "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dGVzdA==",
                 "d="},
             Bad{"tag syntax", base + "; ;", "syntax"},
         }) {
        INFO(bad.label);
        auto parsed = parse_signature(field(bad.value), SignatureKind::dkim);
        CHECK_FALSE(parsed.signature.has_value());
        CHECK(parsed.error.find(bad.error_part) != std::string::npos);
    }
}

TEST_CASE("ARC signature fields: instance and cv", "[arc][unit]") {
    auto seal = [](const std::string& value) { return HeaderField{"ARC-Seal: " + value, 8}; };
    const std::string base = "a=rsa-sha256; b=dGVzdA==; d=example.org; s=s; ";
    CHECK(parse_signature(seal(base + "i=1; cv=none"), SignatureKind::arc_seal).signature);
    CHECK_FALSE(parse_signature(seal(base + "i=0; cv=none"), SignatureKind::arc_seal).signature);
    CHECK_FALSE(parse_signature(seal(base + "i=51; cv=none"), SignatureKind::arc_seal).signature);
    CHECK_FALSE(parse_signature(seal(base + "i=1; cv=maybe"), SignatureKind::arc_seal).signature);
    CHECK_FALSE(
        parse_signature(seal(base + "i=1; cv=none; h=from"), SignatureKind::arc_seal).signature);
}
