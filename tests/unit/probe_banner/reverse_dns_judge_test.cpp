// PTR / forward-confirmed reverse DNS verdicts, greeting-vs-PTR names, address forms.
#include <catch2/catch.hpp>

#include "probes/policy/reverse_dns_judge.hpp"
#include "probes/policy/reverse_dns_names.hpp"

using namespace relaylab::probe;
using relaylab::dns::Status;

namespace {

PtrFacts ptr_facts(Status status, std::vector<std::string> names, std::vector<ForwardLookup> fw,
                   std::string address = "192.0.2.25") {
    PtrFacts f;
    f.address = std::move(address);
    f.reverse_name = "25.2.0.192.in-addr.arpa";
    f.status = status;
    f.names = std::move(names);
    f.forward = std::move(fw);
    return f;
}

}  // namespace

TEST_CASE("PTR verdicts", "[ptr]") {
    struct Case {
        const char* label;
        PtrFacts facts;
        Verdict want;
        const char* phrase;
    };
    const Case cases[] = {
        {"confirmed",
         ptr_facts(Status::ok, {"mx.example.test"},
                   {{"mx.example.test", Status::ok, {"192.0.2.25"}, ""}}),
         Verdict::pass, "forward-confirmed"},
        {"confirmed by the second of two names",
         ptr_facts(Status::ok, {"a.example.test", "mx.example.test"},
                   {{"a.example.test", Status::nxdomain, {}, ""},
                    {"mx.example.test", Status::ok, {"192.0.2.9", "192.0.2.25"}, ""}}),
         Verdict::pass, "mx.example.test resolves back"},
        {"no PTR (NXDOMAIN)", ptr_facts(Status::nxdomain, {}, {}), Verdict::fail, "no PTR"},
        {"no PTR (NODATA)", ptr_facts(Status::nodata, {}, {}), Verdict::fail, "no PTR"},
        {"PTR name resolves elsewhere",
         ptr_facts(Status::ok, {"mx.example.test"},
                   {{"mx.example.test", Status::ok, {"198.51.100.7"}, ""}}),
         Verdict::fail, "not forward-confirmed"},
        {"PTR name does not exist",
         ptr_facts(Status::ok, {"dyn-25.isp.test"},
                   {{"dyn-25.isp.test", Status::nxdomain, {}, ""}}),
         Verdict::fail, "not forward-confirmed"},
        {"PTR lookup timed out", ptr_facts(Status::timeout, {}, {}), Verdict::error, "failed"},
        {"PTR lookup SERVFAIL", ptr_facts(Status::servfail, {}, {}), Verdict::error, "servfail"},
        {"forward lookup timed out",
         ptr_facts(Status::ok, {"mx.example.test"},
                   {{"mx.example.test", Status::timeout, {}, "no answer"}}),
         Verdict::error, "could not confirm"},
        {"IPv6 written differently still confirms",
         ptr_facts(Status::ok, {"mx6.example.test"},
                   {{"mx6.example.test", Status::ok, {"2001:db8:0:0::25"}, ""}}, "2001:DB8::25"),
         Verdict::pass, "forward-confirmed"},
    };
    for (const auto& c : cases) {
        SECTION(c.label) {
            const CheckResult got = judge_ptr(c.facts);
            INFO("got " << to_string(got.verdict) << ": " << got.explanation);
            CHECK(got.name == "ptr");
            CHECK(got.verdict == c.want);
            CHECK(got.explanation.find(c.phrase) != std::string::npos);
            CHECK(got.details["forward_confirmed"] == (c.want == Verdict::pass));
            CHECK_FALSE(got.evidence.empty());
        }
    }
    SECTION("evidence names the records") {
        const auto got =
            judge_ptr(ptr_facts(Status::ok, {"mx.example.test"},
                                {{"mx.example.test", Status::ok, {"192.0.2.25"}, ""}}));
        CHECK(got.evidence ==
              std::vector<std::string>{"25.2.0.192.in-addr.arpa PTR mx.example.test",
                                       "mx.example.test A 192.0.2.25"});
    }
}

TEST_CASE("greeting and EHLO names against the PTR name", "[ptr]") {
    const std::vector<std::string> ptr = {"mx.example.test"};
    CHECK(judge_ptr_hostname(ptr, "mx.example.test", "mx.example.test").verdict == Verdict::pass);
    CHECK(judge_ptr_hostname(ptr, "MX.Example.Test.", "").verdict == Verdict::pass);
    const auto other = judge_ptr_hostname(ptr, "mail.example.test", "mail.example.test");
    CHECK(other.name == "ptr.hostname");
    CHECK(other.verdict == Verdict::warn);
    CHECK(other.explanation.find("mail.example.test") != std::string::npos);
    const auto ehlo_only = judge_ptr_hostname(ptr, "mx.example.test", "localhost");
    CHECK(ehlo_only.verdict == Verdict::warn);
    CHECK(ehlo_only.explanation.find("EHLO names 'localhost'") != std::string::npos);
}

TEST_CASE("announced names", "[ptr]") {
    CHECK(announced_name("mx.example.test ESMTP Postfix") == "mx.example.test");
    CHECK(announced_name("mx.example.test") == "mx.example.test");
    CHECK(announced_name("") == "");
    CHECK(announced_name("   ") == "");
}

TEST_CASE("address forms", "[ptr][dnsbl]") {
    CHECK(canonical_address("192.0.2.1") == "192.0.2.1");
    CHECK(canonical_address("::ffff:192.0.2.1") == "192.0.2.1");
    CHECK(canonical_address("2001:DB8:0::1") == "2001:db8::1");
    CHECK(canonical_address("mx.example.test") == "");
    CHECK(canonical_address("") == "");
    CHECK(canonical_address(std::string(1000, '1')) == "");
    CHECK(same_address("::ffff:127.0.0.2", "127.0.0.2"));
    CHECK_FALSE(same_address("127.0.0.2", "127.0.0.20"));
    CHECK_FALSE(same_address("garbage", "garbage"));
    CHECK(is_ipv6("::1"));
    CHECK_FALSE(is_ipv6("::ffff:10.0.0.1"));
}
