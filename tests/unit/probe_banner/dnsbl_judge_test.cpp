// DNSBL query names (RFC 5782 2.1, 2.4) and what a zone's answer means.
#include <catch2/catch.hpp>

#include "probes/policy/dnsbl_judge.hpp"

using namespace relaylab::probe;
using relaylab::dns::Status;

TEST_CASE("DNSBL query names", "[dnsbl]") {
    struct Case {
        const char* label;
        const char* ip;
        const char* zone;
        const char* want;
    };
    const Case cases[] = {
        {"IPv4 (RFC 5782 2.1 example)", "192.0.2.99", "bad.example.com",
         "99.2.0.192.bad.example.com"},
        {"IPv4 test point", "127.0.0.2", "zen.spamhaus.org", "2.0.0.127.zen.spamhaus.org"},
        {"zone with trailing dot and capitals", "127.0.0.2", "DNSBL.Example.",
         "2.0.0.127.dnsbl.example"},
        {"IPv6 nibbles (RFC 5782 2.4 example)", "2001:db8:1:2:3:4:567:89ab", "ugly.example.com",
         "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com"},
        {"IPv4-mapped IPv6 is queried as IPv4", "::ffff:192.0.2.99", "bl.test",
         "99.2.0.192.bl.test"},
        {"not an address", "mx.example.test", "bl.test", ""},
        {"empty zone", "127.0.0.2", "", ""},
        {"zone with an empty label", "127.0.0.2", "bl..test", ""},
    };
    for (const auto& c : cases) {
        SECTION(c.label) {
            CHECK(dnsbl_query_name(c.ip, c.zone) == c.want);
        }
    }
    SECTION("a zone that makes the name longer than 255 octets") {
        std::string zone;
        for (int i = 0; i < 5; ++i)
            zone += std::string(60, 'a') + ".";
        zone += "test";
        CHECK(dnsbl_query_name("127.0.0.2", zone) == "");
    }
}

TEST_CASE("DNSBL answers", "[dnsbl]") {
    auto facts = [](Status status, std::vector<std::string> addresses,
                    std::vector<std::string> reasons = {}) {
        DnsblFacts f;
        f.zone = "bl.test";
        f.address = "127.0.0.2";
        f.query = "2.0.0.127.bl.test";
        f.status = status;
        f.addresses = std::move(addresses);
        f.reasons = std::move(reasons);
        return f;
    };
    struct Case {
        const char* label;
        DnsblFacts facts;
        Verdict want;
        const char* phrase;
    };
    const Case cases[] = {
        {"NXDOMAIN: not listed", facts(Status::nxdomain, {}), Verdict::pass, "not listed"},
        {"NODATA: not listed", facts(Status::nodata, {}), Verdict::pass, "not listed"},
        {"127.0.0.2: listed", facts(Status::ok, {"127.0.0.2"}, {"listed for spam"}), Verdict::fail,
         "listed (127.0.0.2): listed for spam"},
        {"127.0.0.10 (PBL-style): listed", facts(Status::ok, {"127.0.0.10"}), Verdict::fail,
         "listed"},
        {"127.255.255.254: refused query, not a listing", facts(Status::ok, {"127.255.255.254"}),
         Verdict::error, "public or open resolver"},
        {"127.255.255.252: typo in zone", facts(Status::ok, {"127.255.255.252"}), Verdict::error,
         "typing error"},
        {"127.255.255.255: rate limited", facts(Status::ok, {"127.255.255.255"}), Verdict::error,
         "too many queries"},
        {"outside 127/8: hijacked NXDOMAIN", facts(Status::ok, {"198.51.100.1"}), Verdict::error,
         "outside 127.0.0.0/8"},
        {"timeout", facts(Status::timeout, {}), Verdict::error, "could not query"},
        {"servfail", facts(Status::servfail, {}), Verdict::error, "could not query"},
        {"refused", facts(Status::refused, {}), Verdict::error, "could not query"},
    };
    for (const auto& c : cases) {
        SECTION(c.label) {
            const CheckResult got = judge_dnsbl(c.facts);
            INFO("got " << to_string(got.verdict) << ": " << got.explanation);
            CHECK(got.name == "dnsbl.bl.test");
            CHECK(got.verdict == c.want);
            CHECK(got.explanation.find(c.phrase) != std::string::npos);
            CHECK(got.details["listed"] == (c.want == Verdict::fail));
            CHECK_FALSE(got.evidence.empty());
        }
    }
    SECTION("a hostile TXT reason stays one line") {
        const auto got = judge_dnsbl(
            facts(Status::ok, {"127.0.0.2"}, {"line one\r\nline two" + std::string(500, 'x')}));
        CHECK(got.explanation.find('\n') == std::string::npos);
        CHECK(got.explanation.size() < 400);
        CHECK(got.explanation.find("<CR><LF>") != std::string::npos);
    }
}
