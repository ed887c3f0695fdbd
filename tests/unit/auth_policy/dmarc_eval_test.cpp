// DMARC evaluation cases written from RFC 7489's text: alignment via SPF only and via DKIM
// only (relaxed and strict, 3.1), the subdomain policy sp= (6.3), pct= sampling (6.6.4),
// record discovery at the organisational domain under a multi-label public suffix (3.2,
// 6.6.3), and the error outcomes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>

#include "probes/auth/dmarc_eval.hpp"
#include "probes/auth/memory_dns.hpp"
#include "tests/catch_main.hpp"

using namespace relaylab::auth;

namespace {

const PublicSuffixList* debian_psl() {
    static std::optional<PublicSuffixList> psl =
        PublicSuffixList::load(kDebianPublicSuffixList, nullptr);
    return psl ? &*psl : nullptr;
}

#define REQUIRE_PSL()                                                    \
    const PublicSuffixList* psl = debian_psl();                          \
    if (!psl) {                                                          \
        relaylab::test::skip_test(std::string(kDebianPublicSuffixList) + \
                                  " is absent (install publicsuffix)");  \
        return;                                                          \
    }

DmarcParams params(const std::string& from, SpfResult spf, const std::string& spf_domain,
                   std::vector<DmarcDkimInput> dkim = {}) {
    DmarcParams p;
    p.from_domain = from;
    p.spf_result = spf;
    p.spf_domain = spf_domain;
    p.dkim = std::move(dkim);
    return p;
}

}  // namespace

TEST_CASE("aligned via SPF only (relaxed and strict)", "[dmarc][eval]") {
    REQUIRE_PSL();
    MemoryDns dns;
    dns.add("_dmarc.example.com", RrType::txt, "v=DMARC1; p=reject");
    dns.add("_dmarc.strict.example", RrType::txt, "v=DMARC1; p=reject; aspf=s");
    auto out =
        evaluate_dmarc(params("example.com", SpfResult::pass, "bounce.example.com"), *psl, dns);
    CHECK(out.result == DmarcResult::pass);
    CHECK(out.spf_aligned);
    CHECK_FALSE(out.dkim_aligned);
    CHECK(out.policy == DmarcPolicy::none);
    CHECK_THAT(out.reason, Catch::Contains("SPF"));

    out = evaluate_dmarc(params("strict.example", SpfResult::pass, "bounce.strict.example"), *psl,
                         dns);
    CHECK(out.result == DmarcResult::fail);
    CHECK(out.policy == DmarcPolicy::reject);
    out = evaluate_dmarc(params("strict.example", SpfResult::pass, "STRICT.example."), *psl, dns);
    CHECK(out.result == DmarcResult::pass);
    // An SPF result other than pass never aligns.
    out = evaluate_dmarc(params("example.com", SpfResult::softfail, "example.com"), *psl, dns);
    CHECK(out.result == DmarcResult::fail);
}

TEST_CASE("aligned via DKIM only (relaxed and strict)", "[dmarc][eval]") {
    REQUIRE_PSL();
    MemoryDns dns;
    dns.add("_dmarc.example.com", RrType::txt, "v=DMARC1; p=quarantine");
    dns.add("_dmarc.strict.example", RrType::txt, "v=DMARC1; p=quarantine; adkim=s");
    auto out = evaluate_dmarc(
        params("example.com", SpfResult::fail, "esp.example.net",
               {{"esp.example.net", "s1", "pass"}, {"mail.example.com", "s2", "pass"}}),
        *psl, dns);
    CHECK(out.result == DmarcResult::pass);
    CHECK(out.dkim_aligned);
    CHECK(out.dkim_aligned_domain == "mail.example.com");
    CHECK_FALSE(out.spf_aligned);

    // An aligned signature that failed does not count; a passing unaligned one does not either.
    out = evaluate_dmarc(params("example.com", SpfResult::none, "",
                                {{"example.com", "s1", "fail"}, {"example.net", "s2", "pass"}}),
                         *psl, dns);
    CHECK(out.result == DmarcResult::fail);
    CHECK(out.policy == DmarcPolicy::quarantine);

    out = evaluate_dmarc(
        params("strict.example", SpfResult::none, "", {{"mail.strict.example", "s", "pass"}}), *psl,
        dns);
    CHECK(out.result == DmarcResult::fail);
    out = evaluate_dmarc(
        params("strict.example", SpfResult::none, "", {{"strict.example", "s", "pass"}}), *psl,
        dns);
    CHECK(out.result == DmarcResult::pass);
}

TEST_CASE("subdomain policy: sp= for a From subdomain found via the organisational domain",
          "[dmarc][eval]") {
    REQUIRE_PSL();
    MemoryDns dns;
    dns.add("_dmarc.example.com", RrType::txt, "v=DMARC1; p=none; sp=reject");
    dns.add("_dmarc.example.org", RrType::txt, "v=DMARC1; p=quarantine");
    dns.add("_dmarc.own.example.com", RrType::txt, "v=DMARC1; p=none; sp=reject");

    auto out =
        evaluate_dmarc(params("news.example.com", SpfResult::fail, "news.example.com"), *psl, dns);
    CHECK(out.result == DmarcResult::fail);
    CHECK(out.record_domain == "example.com");
    CHECK(out.published_policy == DmarcPolicy::reject);
    CHECK(out.policy == DmarcPolicy::reject);

    out = evaluate_dmarc(params("example.com", SpfResult::fail, "example.com"), *psl, dns);
    CHECK(out.policy == DmarcPolicy::none);  // the domain's own record: p=

    out = evaluate_dmarc(params("a.b.example.org", SpfResult::fail, "x.example.org"), *psl, dns);
    CHECK(out.policy == DmarcPolicy::quarantine);  // no sp=: p= applies to subdomains

    // A record at the From domain itself wins, and its p= applies (not its sp=).
    out = evaluate_dmarc(params("own.example.com", SpfResult::fail, "x.example.net"), *psl, dns);
    CHECK(out.record_domain == "own.example.com");
    CHECK(out.policy == DmarcPolicy::none);

    // Relaxed alignment across subdomains of one organisational domain.
    out = evaluate_dmarc(params("news.example.com", SpfResult::pass, "bounces.example.com"), *psl,
                         dns);
    CHECK(out.result == DmarcResult::pass);
}

TEST_CASE("pct= sampling downgrades the policy for messages not sampled", "[dmarc][eval]") {
    REQUIRE_PSL();
    MemoryDns dns;
    dns.add("_dmarc.half.example", RrType::txt, "v=DMARC1; p=reject; pct=50");
    dns.add("_dmarc.zero.example", RrType::txt, "v=DMARC1; p=quarantine; pct=0");
    auto p = params("half.example", SpfResult::fail, "half.example");
    p.pct_sample = 49.9;
    auto out = evaluate_dmarc(p, *psl, dns);
    CHECK(out.policy == DmarcPolicy::reject);
    CHECK_FALSE(out.sampled_out);
    p.pct_sample = 50.0;
    out = evaluate_dmarc(p, *psl, dns);
    CHECK(out.result == DmarcResult::fail);
    CHECK(out.sampled_out);
    CHECK(out.policy == DmarcPolicy::quarantine);
    CHECK_THAT(out.reason, Catch::Contains("pct=50"));

    p = params("zero.example", SpfResult::fail, "zero.example");
    out = evaluate_dmarc(p, *psl, dns);
    CHECK(out.policy == DmarcPolicy::none);
    CHECK(out.published_policy == DmarcPolicy::quarantine);
}

TEST_CASE("organisational domain under a multi-label public suffix (example.co.uk)",
          "[dmarc][eval][psl]") {
    REQUIRE_PSL();
    MemoryDns dns;
    dns.add("_dmarc.example.co.uk", RrType::txt, "v=DMARC1; p=reject; sp=quarantine");
    dns.add("_dmarc.co.uk", RrType::txt, "v=DMARC1; p=none");  // must never be consulted

    DmarcEvaluator e(params("mail.example.co.uk", SpfResult::pass, "bounce.example.co.uk"), *psl);
    auto q = e.next_query();
    REQUIRE(q);
    CHECK(q->name == "_dmarc.mail.example.co.uk");
    e.provide(dns.lookup(*q));
    q = e.next_query();
    REQUIRE(q);
    CHECK(q->name == "_dmarc.example.co.uk");
    e.provide(dns.lookup(*q));
    CHECK_FALSE(e.next_query());
    REQUIRE(e.done());
    CHECK(e.result().result == DmarcResult::pass);
    CHECK(e.result().org_domain == "example.co.uk");

    // Another registrant under co.uk does not align, even relaxed.
    auto out = evaluate_dmarc(
        params("mail.example.co.uk", SpfResult::pass, "other.co.uk", {{"evil.co.uk", "s", "pass"}}),
        *psl, dns);
    CHECK(out.result == DmarcResult::fail);
    CHECK(out.policy == DmarcPolicy::quarantine);
    CHECK_FALSE(domains_aligned("example.co.uk", "co.uk", DmarcAlignment::relaxed, *psl));
    CHECK(domains_aligned("a.example.co.uk", "b.example.co.uk", DmarcAlignment::relaxed, *psl));
    CHECK_FALSE(
        domains_aligned("a.example.co.uk", "b.example.co.uk", DmarcAlignment::strict, *psl));
}

TEST_CASE("no record, several records, bad records and DNS errors", "[dmarc][eval]") {
    REQUIRE_PSL();
    MemoryDns dns;
    dns.add("_dmarc.two.example", RrType::txt, "v=DMARC1; p=reject");
    dns.add("_dmarc.two.example", RrType::txt, "v=DMARC1; p=none");
    dns.add("_dmarc.bad.example", RrType::txt, "v=DMARC1; p=bogus");
    dns.add("_dmarc.mixed.example", RrType::txt, "some other TXT");
    dns.add("_dmarc.mixed.example", RrType::txt, "v=DMARC1; p=reject");
    dns.fail("_dmarc.slow.example", RrType::txt, DnsStatus::timeout);
    dns.fail("_dmarc.example.org", RrType::txt, DnsStatus::servfail);

    auto out =
        evaluate_dmarc(params("nothing.example", SpfResult::pass, "nothing.example"), *psl, dns);
    CHECK(out.result == DmarcResult::none);
    CHECK(out.policy == DmarcPolicy::none);
    out = evaluate_dmarc(params("two.example", SpfResult::fail, "x.example"), *psl, dns);
    CHECK(out.result == DmarcResult::none);
    CHECK_THAT(out.reason, Catch::Contains("2 DMARC records"));
    out = evaluate_dmarc(params("bad.example", SpfResult::fail, "x.example"), *psl, dns);
    CHECK(out.result == DmarcResult::permerror);
    out = evaluate_dmarc(params("mixed.example", SpfResult::fail, "x.example"), *psl, dns);
    CHECK(out.result == DmarcResult::fail);
    CHECK(out.policy == DmarcPolicy::reject);
    out = evaluate_dmarc(params("slow.example", SpfResult::pass, "slow.example"), *psl, dns);
    CHECK(out.result == DmarcResult::temperror);
    out = evaluate_dmarc(params("sub.example.org", SpfResult::pass, "sub.example.org"), *psl, dns);
    CHECK(out.result == DmarcResult::temperror);  // at the organisational domain
    for (const char* from : {"", "localhost", "a..b.example", "[192.0.2.1]"}) {
        INFO(from);
        CHECK(evaluate_dmarc(params(from, SpfResult::pass, "x.example"), *psl, dns).result ==
              DmarcResult::permerror);
    }
}
