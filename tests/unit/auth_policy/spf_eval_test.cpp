// check_host(): RFC 7208 Appendix A examples, the processing limits of 4.6.4, loops, DNS
// failures, the HELO identity, and the sans-I/O driving contract.
#include <catch2/catch.hpp>

#include <string>

#include "probes/auth/memory_dns.hpp"
#include "probes/auth/spf_eval.hpp"

using namespace relaylab::auth;

namespace {

SpfOutcome check(MemoryDns& dns, const std::string& ip, const std::string& mail_from,
                 const std::string& helo = "mail.example.net") {
    SpfParams p;
    p.ip = ip;
    p.mail_from = mail_from;
    p.helo = helo;
    return evaluate_spf(p, dns);
}

// The zone of RFC 7208 Appendix A, with example.com's policy supplied by each test.
MemoryDns appendix_a_zone(const std::string& policy) {
    MemoryDns dns;
    dns.add("example.com", RrType::txt, policy);
    dns.add("example.com", RrType::a, "192.0.2.10");
    dns.add("example.com", RrType::a, "192.0.2.11");
    dns.add("amy.example.com", RrType::a, "192.0.2.65");
    dns.add("bob.example.com", RrType::a, "192.0.2.66");
    dns.add("mail-a.example.com", RrType::a, "192.0.2.129");
    dns.add("mail-b.example.com", RrType::a, "192.0.2.130");
    dns.add("www.example.com", RrType::cname, "example.com");
    dns.add("example.com", RrType::mx, "mail-a.example.com");
    dns.add("example.com", RrType::mx, "mail-b.example.com");
    dns.add("example.org", RrType::mx, "mail-c.example.org");
    dns.add("mail-c.example.org", RrType::a, "192.0.2.140");
    dns.add("10.2.0.192.in-addr.arpa", RrType::ptr, "example.com.");
    dns.add("11.2.0.192.in-addr.arpa", RrType::ptr, "example.com.");
    dns.add("65.2.0.192.in-addr.arpa", RrType::ptr, "amy.example.com.");
    dns.add("66.2.0.192.in-addr.arpa", RrType::ptr, "bob.example.com.");
    dns.add("129.2.0.192.in-addr.arpa", RrType::ptr, "mail-a.example.com.");
    dns.add("130.2.0.192.in-addr.arpa", RrType::ptr, "mail-b.example.com.");
    dns.add("140.2.0.192.in-addr.arpa", RrType::ptr, "mail-c.example.org.");
    dns.add("10.0.0.10.in-addr.arpa", RrType::ptr, "bob.example.com.");
    return dns;
}

struct Example {
    const char* policy;
    const char* ip;
    SpfResult want;
};

}  // namespace

TEST_CASE("RFC 7208 Appendix A.1 simple examples", "[spf][eval]") {
    const Example examples[] = {
        {"v=spf1 +all", "198.51.100.1", SpfResult::pass},
        {"v=spf1 a -all", "192.0.2.10", SpfResult::pass},
        {"v=spf1 a -all", "192.0.2.11", SpfResult::pass},
        {"v=spf1 a -all", "192.0.2.65", SpfResult::fail},
        {"v=spf1 a:example.org -all", "192.0.2.10", SpfResult::fail},
        {"v=spf1 mx -all", "192.0.2.129", SpfResult::pass},
        {"v=spf1 mx -all", "192.0.2.130", SpfResult::pass},
        {"v=spf1 mx -all", "192.0.2.140", SpfResult::fail},
        {"v=spf1 mx:example.org -all", "192.0.2.140", SpfResult::pass},
        {"v=spf1 mx mx:example.org -all", "192.0.2.129", SpfResult::pass},
        {"v=spf1 mx mx:example.org -all", "192.0.2.140", SpfResult::pass},
        {"v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131", SpfResult::pass},
        {"v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143", SpfResult::pass},
        {"v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.144", SpfResult::fail},
        {"v=spf1 ptr -all", "192.0.2.10", SpfResult::pass},
        {"v=spf1 ptr -all", "192.0.2.65", SpfResult::pass},
        {"v=spf1 ptr -all", "192.0.2.140", SpfResult::fail},  // mail-c.example.org
        {"v=spf1 ptr -all", "10.0.0.10", SpfResult::fail},    // PTR does not validate
        {"v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.129", SpfResult::pass},
        {"v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.143", SpfResult::pass},
        {"v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65", SpfResult::fail},
    };
    for (const auto& e : examples) {
        MemoryDns dns = appendix_a_zone(e.policy);
        const auto out = check(dns, e.ip, "user@example.com");
        INFO(e.policy << " from " << e.ip << ": got " << to_string(out.result) << " (" << out.reason
                      << ")");
        CHECK(out.result == e.want);
    }
}

TEST_CASE("include and redirect loops end in permerror by the 10-term limit",
          "[spf][eval][limits]") {
    MemoryDns dns;
    dns.add("a.example.com", RrType::txt, "v=spf1 include:b.example.com -all");
    dns.add("b.example.com", RrType::txt, "v=spf1 include:a.example.com -all");
    dns.add("self.example.com", RrType::txt, "v=spf1 redirect=self.example.com");
    dns.add("macro.example.com", RrType::txt, "v=spf1 include:%{d} -all");
    for (const char* domain : {"a.example.com", "self.example.com", "macro.example.com"}) {
        const auto out = check(dns, "192.0.2.1", std::string("x@") + domain);
        INFO(domain << ": " << out.reason);
        CHECK(out.result == SpfResult::permerror);
        CHECK_THAT(out.reason, Catch::Contains("4.6.4"));
        CHECK(out.queries <= 12);
    }
}

TEST_CASE("10 DNS terms pass, the 11th is a permerror", "[spf][eval][limits]") {
    MemoryDns dns;
    dns.add("example.com", RrType::a, "192.0.2.200");
    dns.add("ten.example.com", RrType::txt,
            "v=spf1 a:example.com a:example.com a:example.com a:example.com a:example.com "
            "a:example.com a:example.com a:example.com a:example.com a:example.com "
            "ip4:192.0.2.1 -all");
    dns.add("eleven.example.com", RrType::txt,
            "v=spf1 a:example.com a:example.com a:example.com a:example.com a:example.com "
            "a:example.com a:example.com a:example.com a:example.com a:example.com "
            "a:example.com ip4:192.0.2.1 -all");
    CHECK(check(dns, "192.0.2.1", "x@ten.example.com").result == SpfResult::pass);
    const auto out = check(dns, "192.0.2.1", "x@eleven.example.com");
    CHECK(out.result == SpfResult::permerror);
    CHECK(out.dns_mechanisms == 11);
}

TEST_CASE("void lookups: two are allowed, the third is a permerror", "[spf][eval][limits]") {
    MemoryDns dns;
    dns.add("two.example.com", RrType::txt, "v=spf1 a:n1.example.com exists:n2.example.com ?all");
    dns.add("three.example.com", RrType::txt,
            "v=spf1 a:n1.example.com mx:n2.example.com ptr:n3.example.com ?all");
    dns.add("n2.example.com", RrType::txt, "exists but no A");  // NODATA counts too
    CHECK(check(dns, "192.0.2.1", "x@two.example.com").result == SpfResult::neutral);
    const auto out = check(dns, "192.0.2.1", "x@three.example.com");
    CHECK(out.result == SpfResult::permerror);
    CHECK_THAT(out.reason, Catch::Contains("void"));
}

TEST_CASE("more than 10 MX names is a permerror; PTR names past 10 are ignored",
          "[spf][eval][limits]") {
    MemoryDns dns;
    dns.add("mx.example.com", RrType::txt, "v=spf1 mx -all");
    for (int i = 0; i < 11; ++i) {
        dns.add("mx.example.com", RrType::mx, "m" + std::to_string(i) + ".example.com");
    }
    CHECK(check(dns, "192.0.2.1", "x@mx.example.com").result == SpfResult::permerror);

    dns.add("ptr.example.com", RrType::txt, "v=spf1 ptr -all");
    for (int i = 0; i < 10; ++i) {
        dns.add("1.2.0.192.in-addr.arpa", RrType::ptr, "n" + std::to_string(i) + ".example.org");
    }
    dns.add("1.2.0.192.in-addr.arpa", RrType::ptr, "host.ptr.example.com");
    dns.add("host.ptr.example.com", RrType::a, "192.0.2.1");
    const auto out = check(dns, "192.0.2.1", "x@ptr.example.com");
    CHECK(out.result == SpfResult::fail);  // the 11th (matching) name is never looked at
    CHECK(out.queries <= 13);
}

TEST_CASE("DNS failures: temperror for the record and for mechanisms", "[spf][eval][dns]") {
    MemoryDns dns;
    dns.fail("down.example.com", RrType::txt, DnsStatus::timeout);
    dns.add("inc.example.com", RrType::txt, "v=spf1 include:down.example.com -all");
    dns.add("a.example.com", RrType::txt, "v=spf1 a:broken.example.com -all");
    dns.fail("broken.example.com", RrType::a, DnsStatus::servfail);
    dns.add("empty.example.com", RrType::txt, "v=spf1 include:nothing.example.com -all");
    for (const char* d : {"down.example.com", "inc.example.com", "a.example.com"}) {
        const auto out = check(dns, "192.0.2.1", std::string("x@") + d);
        INFO(d << ": " << out.reason);
        CHECK(out.result == SpfResult::temperror);
    }
    // include of a domain without a record: permerror (RFC 7208 5.2).
    CHECK(check(dns, "192.0.2.1", "x@empty.example.com").result == SpfResult::permerror);
    // No record at all: none.
    CHECK(check(dns, "192.0.2.1", "x@nowhere.example.com").result == SpfResult::none);
}

TEST_CASE("a CNAME loop under a PTR name is skipped, not followed forever", "[spf][eval][dns]") {
    MemoryDns dns;
    dns.add("loop.example.com", RrType::txt, "v=spf1 ptr -all");
    dns.add("4.2.0.192.in-addr.arpa", RrType::ptr, "l1.example.com");
    dns.add("l1.example.com", RrType::cname, "l2.example.com");
    dns.add("l2.example.com", RrType::cname, "l1.example.com");
    const auto out = check(dns, "192.0.2.4", "x@loop.example.com");
    CHECK(out.result == SpfResult::fail);
}

TEST_CASE("HELO identity and the null reverse-path", "[spf][eval]") {
    MemoryDns dns;
    dns.add("mail.example.net", RrType::txt, "v=spf1 a -all");
    dns.add("mail.example.net", RrType::a, "192.0.2.7");
    dns.add("example.com", RrType::txt, "v=spf1 -all");
    SpfParams p;
    p.ip = "192.0.2.7";
    p.helo = "mail.example.net";
    p.mail_from = "user@example.com";
    p.identity = SpfIdentity::helo;
    auto out = evaluate_spf(p, dns);
    CHECK(out.result == SpfResult::pass);
    CHECK(out.domain == "mail.example.net");
    CHECK(out.sender == "postmaster@mail.example.net");
    p.identity = SpfIdentity::mail_from;
    CHECK(evaluate_spf(p, dns).result == SpfResult::fail);
    p.mail_from = "";  // RFC 7208 2.4: check HELO instead
    CHECK(evaluate_spf(p, dns).result == SpfResult::pass);
    p.helo = "localhost";  // not a multi-label name
    CHECK(evaluate_spf(p, dns).result == SpfResult::none);
}

TEST_CASE("IPv6 and IPv4-mapped clients", "[spf][eval]") {
    MemoryDns dns;
    dns.add("six.example.com", RrType::txt, "v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 -all");
    CHECK(check(dns, "2001:db8::5", "x@six.example.com").result == SpfResult::pass);
    CHECK(check(dns, "2001:db9::5", "x@six.example.com").result == SpfResult::fail);
    CHECK(check(dns, "::ffff:192.0.2.9", "x@six.example.com").result == SpfResult::pass);
    CHECK(check(dns, "not-an-ip", "x@six.example.com").result == SpfResult::permerror);
}

TEST_CASE("explanations: exp= for fail only, with macros; broken exp= falls back", "[spf][eval]") {
    MemoryDns dns;
    dns.add("example.com", RrType::txt, "v=spf1 ip4:192.0.2.1 -all exp=why.%{d}");
    dns.add("why.example.com", RrType::txt, "%{i} is not one of %{d}'s servers (%{l})");
    SpfParams p;
    p.ip = "198.51.100.7";
    p.mail_from = "bob@example.com";
    p.helo = "h.example.net";
    p.default_explanation = "default";
    auto out = evaluate_spf(p, dns);
    CHECK(out.result == SpfResult::fail);
    CHECK(out.explanation == "198.51.100.7 is not one of example.com's servers (bob)");
    p.ip = "192.0.2.1";
    out = evaluate_spf(p, dns);
    CHECK(out.result == SpfResult::pass);
    CHECK(out.explanation.empty());
    dns.fail("why2.example.com", RrType::txt, DnsStatus::timeout);
    dns.add("other.example.com", RrType::txt, "v=spf1 -all exp=why2.example.com");
    p.mail_from = "bob@other.example.com";
    out = evaluate_spf(p, dns);
    CHECK(out.result == SpfResult::fail);
    CHECK(out.explanation == "default");
}

TEST_CASE("sans-I/O: the evaluator asks one query at a time and can be abandoned",
          "[spf][eval][sansio]") {
    SpfParams p;
    p.ip = "192.0.2.129";
    p.mail_from = "x@example.com";
    p.helo = "h.example.net";
    SpfEvaluator e(p);
    auto q = e.next_query();
    REQUIRE(q);
    CHECK(q->name == "example.com");
    CHECK(q->type == RrType::txt);
    CHECK_FALSE(e.done());
    e.provide({DnsStatus::ok, {"not spf", "v=spf1 mx -all"}});
    q = e.next_query();
    REQUIRE(q);
    CHECK(q->type == RrType::mx);
    e.provide({DnsStatus::ok, {"mail-a.example.com."}});
    q = e.next_query();
    REQUIRE(q);
    CHECK(q->name == "mail-a.example.com");
    CHECK(q->type == RrType::a);
    e.provide({DnsStatus::ok, {"192.0.2.129"}});
    CHECK_FALSE(e.next_query());
    REQUIRE(e.done());
    CHECK(e.result().result == SpfResult::pass);
    CHECK(e.result().mechanism == "mx");

    // Destroying an evaluator mid-way frees every nested frame (ASan checks the leak).
    SpfEvaluator abandoned(p);
    REQUIRE(abandoned.next_query());
    abandoned.provide({DnsStatus::ok, {"v=spf1 include:a.example.org -all"}});
    REQUIRE(abandoned.next_query());
    CHECK_THROWS(SpfEvaluator(p).provide({}));
}

TEST_CASE("answers full of junk do not crash the evaluator", "[spf][eval][hostile]") {
    MemoryDns dns;
    dns.add("junk.example.com", RrType::txt, "v=spf1 a mx ptr exists:%{i}.x.example.com -all");
    dns.add("junk.example.com", RrType::a, "not an address");
    dns.add("junk.example.com", RrType::a, "");
    dns.add("junk.example.com", RrType::mx, std::string(300, 'x'));
    dns.add("junk.example.com", RrType::mx, "..");
    dns.add("1.2.0.192.in-addr.arpa", RrType::ptr, std::string(1000, '.'));
    const auto out = check(dns, "192.0.2.1", "x@junk.example.com");
    CHECK(out.result == SpfResult::fail);
    std::string huge = "v=spf1";
    while (huge.size() < 60000)
        huge += " a:example.com";
    dns.add("huge.example.com", RrType::txt, huge);
    const auto big = check(dns, "192.0.2.1", "x@huge.example.com");
    CHECK(big.result == SpfResult::permerror);
    CHECK_THAT(big.reason, Catch::Contains("limit"));
}
