// DMARC record parsing per RFC 7489 6.3/6.4.
#include <catch2/catch.hpp>

#include "probes/auth/dmarc_record.hpp"

using namespace relaylab::auth;

TEST_CASE("a full record", "[dmarc][record]") {
    auto r = parse_dmarc_record(
        "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=r; pct=25; "
        "rua=mailto:agg@example.com,mailto:agg2@example.net!10m; ruf=mailto:f@example.com; "
        "fo=1:d; rf=afrf; ri=3600");
    REQUIRE(r.status == DmarcRecordStatus::ok);
    const auto& d = *r.record;
    CHECK(d.p == DmarcPolicy::quarantine);
    CHECK(d.sp == DmarcPolicy::reject);
    CHECK(d.adkim == DmarcAlignment::strict);
    CHECK(d.aspf == DmarcAlignment::relaxed);
    CHECK(d.pct == 25);
    CHECK(d.rua.size() == 2);
    CHECK(d.ruf.size() == 1);
    CHECK(d.fo == std::vector<std::string>{"1", "d"});
    CHECK(d.ri == 3600);
    CHECK(d.warnings.empty());
}

TEST_CASE("defaults, whitespace and case", "[dmarc][record]") {
    auto r = parse_dmarc_record("v=DMARC1;p=REJECT");
    REQUIRE(r.status == DmarcRecordStatus::ok);
    CHECK(r.record->p == DmarcPolicy::reject);
    CHECK_FALSE(r.record->sp);
    CHECK(r.record->adkim == DmarcAlignment::relaxed);
    CHECK(r.record->pct == 100);
    CHECK(r.record->ri == 86400);
    CHECK(parse_dmarc_record("  v = DMARC1 ;\tp = none ; ").status == DmarcRecordStatus::ok);
}

TEST_CASE("not DMARC: wrong or missing version", "[dmarc][record]") {
    for (const char* txt : {"", "V=BOB", "v=DMARC2; p=none", "p=none; v=DMARC1", "v=spf1 -all"}) {
        INFO(txt);
        CHECK(parse_dmarc_record(txt).status == DmarcRecordStatus::not_dmarc);
        CHECK_FALSE(is_dmarc_record(txt));
    }
}

TEST_CASE("p= missing or invalid: no DMARC unless rua= is valid (RFC 7489 6.6.3)",
          "[dmarc][record]") {
    auto r = parse_dmarc_record("v=DMARC1; pct=100");
    CHECK(r.status == DmarcRecordStatus::invalid);
    CHECK_THAT(r.error, Catch::Contains("p="));
    CHECK(parse_dmarc_record("v=DMARC1; p=bob").status == DmarcRecordStatus::invalid);
    CHECK(parse_dmarc_record("v=DMARC1; p=n").status == DmarcRecordStatus::invalid);
    CHECK(parse_dmarc_record("v=DMARC1; p=none; sp=bob").status == DmarcRecordStatus::invalid);
    auto fallback = parse_dmarc_record("v=DMARC1; p=bob; rua=mailto:a@example.com");
    REQUIRE(fallback.status == DmarcRecordStatus::ok);
    CHECK(fallback.record->p == DmarcPolicy::none);
    CHECK(fallback.record->policy_defaulted);
}

TEST_CASE("other bad values are discarded for their defaults, with a warning", "[dmarc][record]") {
    auto r = parse_dmarc_record(
        "v=DMARC1; p=reject; adkim=bob; aspf=x; pct=500; ri=bob; rf=000; fo=9; "
        "rua=not a uri,mailto:ok@example.com; foo=bar; junk");
    REQUIRE(r.status == DmarcRecordStatus::ok);
    const auto& d = *r.record;
    CHECK(d.p == DmarcPolicy::reject);
    CHECK(d.adkim == DmarcAlignment::relaxed);
    CHECK(d.aspf == DmarcAlignment::relaxed);
    CHECK(d.pct == 100);
    CHECK(d.ri == 86400);
    CHECK(d.rf == std::vector<std::string>{"afrf"});
    CHECK(d.fo == std::vector<std::string>{"0"});
    CHECK(d.rua == std::vector<std::string>{"mailto:ok@example.com"});
    CHECK(d.warnings.size() == 9);
}

TEST_CASE("hostile records are bounded", "[dmarc][record]") {
    std::string huge = "v=DMARC1; p=none";
    while (huge.size() <= kMaxDmarcRecordLength)
        huge += "; x=y";
    CHECK(parse_dmarc_record(huge).status == DmarcRecordStatus::invalid);
    std::string many = "v=DMARC1; p=none; rua=";
    for (int i = 0; i < 100; ++i)
        many += "mailto:a@b.example,";
    auto r = parse_dmarc_record(many);
    REQUIRE(r.status == DmarcRecordStatus::ok);
    CHECK(r.record->rua.size() == kMaxDmarcUris);
}
