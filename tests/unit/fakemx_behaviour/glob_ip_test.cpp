// The matching primitives: globs and IP ranges.
#include <catch2/catch.hpp>

#include "fake-mx/behaviour/glob.hpp"
#include "harness/net/ip_range.hpp"

using namespace relaylab::fakemx;
using namespace relaylab::net;

TEST_CASE("glob_match", "[glob]") {
    struct Case {
        const char* pattern;
        const char* subject;
        bool want;
    };
    auto c = GENERATE(values<Case>({
        {"*", "", true},
        {"*", "anything@example.test", true},
        {"", "", true},
        {"", "a", false},
        {"*@example.test", "bob@EXAMPLE.test", true},
        {"*@example.test", "bob@example.test.evil", false},
        {"b?b@*", "bob@x", true},
        {"b?b@*", "bb@x", false},
        {"*.example.test", "example.test", false},
        {"a*b*c", "aXXbYYc", true},
        {"a*b*c", "aXXbYY", false},
        {"**a", "bba", true},
    }));
    INFO(c.pattern << " vs " << c.subject);
    CHECK(glob_match(c.pattern, c.subject) == c.want);
}

TEST_CASE("glob_match stays fast on hostile input", "[glob]") {
    std::string subject(100'000, 'a');
    CHECK_FALSE(glob_match("*a*a*a*a*a*a*b", subject));
}

TEST_CASE("domain_of", "[glob]") {
    CHECK(domain_of("bob@example.test") == "example.test");
    CHECK(domain_of("\"a@b\"@example.test") == "example.test");
    CHECK(domain_of("") == "");
}

TEST_CASE("IP ranges", "[ip]") {
    auto v4 = parse_ip_range("192.0.2.0/24");
    REQUIRE(v4);
    CHECK(v4->contains(*parse_ip("192.0.2.255")));
    CHECK_FALSE(v4->contains(*parse_ip("192.0.3.0")));
    CHECK(v4->contains(*parse_ip("::ffff:192.0.2.1")));
    CHECK_FALSE(v4->contains(*parse_ip("2001:db8::1")));
    auto all = parse_ip_range("0.0.0.0/0");
    REQUIRE(all);
    CHECK(all->contains(*parse_ip("203.0.113.9")));
    CHECK_FALSE(all->contains(*parse_ip("2001:db8::1")));  // IPv4 /0 is all of IPv4 only
    auto v6 = parse_ip_range("2001:db8::/33");
    REQUIRE(v6);
    CHECK(v6->contains(*parse_ip("2001:db8:7fff::1")));
    CHECK_FALSE(v6->contains(*parse_ip("2001:db8:8000::1")));

    std::string error;
    CHECK_FALSE(parse_ip_range("192.0.2.0/33", &error));
    CHECK(error.find("0 to 32") != std::string::npos);
    CHECK_FALSE(parse_ip_range("192.0.2.0/", &error));
    CHECK_FALSE(parse_ip_range("192.0.2.0/2x", &error));
    CHECK_FALSE(parse_ip_range("192.0.2.1/24", &error));
    CHECK(error.find("host bits") != std::string::npos);
    CHECK_FALSE(parse_ip_range("[::1]", &error));
    CHECK_FALSE(parse_ip(std::string(100, '1')));
}
