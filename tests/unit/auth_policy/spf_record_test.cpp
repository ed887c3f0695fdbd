// The SPF record parser: every mechanism and modifier form, and the bad input that must give a
// permerror with a reason (RFC 7208 4.6, 5, 6, 12).
#include <catch2/catch.hpp>

#include <string>

#include "probes/auth/spf_record.hpp"

using namespace relaylab::auth;

namespace {

SpfRecord parse_ok(const std::string& text) {
    auto parsed = parse_spf_record(text);
    INFO(text << " -> " << parsed.error);
    REQUIRE(parsed.record);
    return *parsed.record;
}

std::string parse_error(const std::string& text) {
    auto parsed = parse_spf_record(text);
    INFO(text);
    REQUIRE_FALSE(parsed.record);
    REQUIRE_FALSE(parsed.error.empty());
    return parsed.error;
}

}  // namespace

TEST_CASE("record selection looks for v=spf1 then a space or the end", "[spf][record]") {
    CHECK(is_spf_record("v=spf1"));
    CHECK(is_spf_record("v=spf1 -all"));
    CHECK(is_spf_record("V=SpF1 ~all"));
    CHECK_FALSE(is_spf_record("v=spf10"));
    CHECK_FALSE(is_spf_record("v=spf1mx"));
    CHECK_FALSE(is_spf_record(" v=spf1 -all"));
    CHECK_FALSE(is_spf_record(""));
}

TEST_CASE("every mechanism with qualifiers, targets and prefix lengths", "[spf][record]") {
    const auto r = parse_ok(
        "v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24 a//64 "
        "a:example.com/28//96 mx mx:example.org/30 ptr ptr:example.net ip4:192.0.2.0/24 "
        "ip6:2001:db8::/32 ip6:2001:db8::1 exists:%{ir}.bl.example.org");
    REQUIRE(r.mechanisms.size() == 14);
    CHECK(r.mechanisms[0].kind == SpfMechanismKind::all);
    CHECK(r.mechanisms[0].qualifier == SpfResult::pass);
    CHECK(r.mechanisms[1].kind == SpfMechanismKind::include);
    CHECK(r.mechanisms[1].qualifier == SpfResult::fail);
    CHECK(r.mechanisms[1].domain_spec == "_spf.example.com");
    CHECK(r.mechanisms[2].qualifier == SpfResult::softfail);
    CHECK(r.mechanisms[2].domain_spec.empty());
    CHECK(r.mechanisms[3].qualifier == SpfResult::neutral);
    CHECK(r.mechanisms[3].domain_spec == "mail.example.com");
    CHECK(r.mechanisms[3].cidr4 == 24);
    CHECK(r.mechanisms[3].cidr6 == 128);
    CHECK(r.mechanisms[4].cidr4 == 32);
    CHECK(r.mechanisms[4].cidr6 == 64);
    CHECK(r.mechanisms[5].cidr4 == 28);
    CHECK(r.mechanisms[5].cidr6 == 96);
    CHECK(r.mechanisms[7].kind == SpfMechanismKind::mx);
    CHECK(r.mechanisms[7].cidr4 == 30);
    CHECK(r.mechanisms[9].kind == SpfMechanismKind::ptr);
    CHECK(r.mechanisms[9].domain_spec == "example.net");
    CHECK(r.mechanisms[10].kind == SpfMechanismKind::ip4);
    CHECK(r.mechanisms[10].cidr4 == 24);
    CHECK(r.mechanisms[11].kind == SpfMechanismKind::ip6);
    CHECK(r.mechanisms[11].cidr6 == 32);
    CHECK(r.mechanisms[12].cidr6 == 128);
    CHECK(r.mechanisms[13].kind == SpfMechanismKind::exists);
    CHECK(r.has_all);
}

TEST_CASE("modifiers: redirect, exp and unknown ones", "[spf][record]") {
    const auto r =
        parse_ok("v=spf1 mx redirect=_spf.example.com exp=explain.%{d} foo.bar-x_y=%{l}");
    REQUIRE(r.redirect);
    CHECK(*r.redirect == "_spf.example.com");
    REQUIRE(r.exp);
    CHECK(*r.exp == "explain.%{d}");
    REQUIRE(r.unknown_modifiers.size() == 1);
    CHECK(r.unknown_modifiers[0].name == "foo.bar-x_y");
    CHECK_FALSE(r.has_all);
}

TEST_CASE("terms are separated by one or more spaces; trailing spaces are allowed",
          "[spf][record]") {
    CHECK(parse_ok("v=spf1   a    -all   ").mechanisms.size() == 2);
    CHECK(parse_ok("v=spf1").mechanisms.empty());
}

TEST_CASE("malformed records are permerrors with a reason", "[spf][record]") {
    const char* bad[] = {
        "v=spf1 -all.",                   // junk after all
        "v=spf1 -all:foo",                // all takes no argument
        "v=spf1 all/8",                   // nor a prefix
        "v=spf1 moo",                     // unknown mechanism
        "v=spf1 redirect:example.com",    // redirect is a modifier
        "v=spf1 1up=foo",                 // modifier names start with a letter
        "v=spf1 =all",                    // empty modifier name
        "v=spf1 ip4",                     // ip4 needs an address
        "v=spf1 ip4:1.2.3",               // short address
        "v=spf1 ip4:1.2.3.4:8080",        // port
        "v=spf1 ip4:1.2.3.4/33",          // prefix too long
        "v=spf1 ip4:1.2.3.4/032",         // leading zero
        "v=spf1 ip4:1.2.3.4//32",         // dual CIDR on ip4
        "v=spf1 ip4:01.2.3.4",            // leading zero in an octet
        "v=spf1 ip6:::1/129",             // prefix too long
        "v=spf1 ip6::CAFE::BABE",         // malformed address
        "v=spf1 ip6",                     // needs an address
        "v=spf1 a/33",                    // IPv4 prefix too long
        "v=spf1 a//129",                  // IPv6 prefix too long
        "v=spf1 a/24/64",                 // ip6 prefix must use "//"
        "v=spf1 a:",                      // empty domain-spec
        "v=spf1 a:museum",                // only a top label
        "v=spf1 a:museum.",               // still only a top label
        "v=spf1 a:abc.123",               // numeric top label
        "v=spf1 a:example.-com",          // top label starts with a dash
        "v=spf1 a:111.222.33.44",         // an address where a name belongs
        "v=spf1 mx:example.com:8080",     // ':' in the top label
        "v=spf1 include",                 // include needs a domain
        "v=spf1 include:",                // empty domain
        "v=spf1 include:example.com/24",  // no CIDR on include
        "v=spf1 exists",                  // needs a domain
        "v=spf1 exists:example.com/24",   // no CIDR on exists
        "v=spf1 ptr/0",                   // no CIDR on ptr
        "v=spf1 ptr:",                    // empty domain
        "v=spf1 exp=",                    // empty exp
        "v=spf1 redirect=",               // empty redirect
        "v=spf1 redirect=-all",           // not a domain-spec
        "v=spf1 redirect=a.example.com redirect=b.example.com",  // twice
        "v=spf1 exp=a.example.com exp=b.example.com",            // twice
        "v=spf1 foo=%abc",                                       // bad macro in an unknown modifier
        "v=spf1 exists:%(ir).sbl.example.com",                   // '%' then '('
        "v=spf1 exists:foo%.sbl.example.com",                    // '%' then '.'
        "v=spf1 exists:foo.example.com%",                        // '%' at the end
        "v=spf1 a:%{x}.example.com",                             // unknown macro letter
        "v=spf1 a:%{c}.example.com",                             // c only in explanations
        "v=spf1 a:%{d0}.example.com",                            // zero parts
        "v=spf1 a:%{d2r?}.example.com",                          // bad delimiter
        "v=spf1 a:%{d",                                          // unterminated
        "v=spf1 a:ctrl.example.com\rptr -all",                   // control character
        "v=spf1 a:foo.example.com\t-all",                        // tab is not a separator
        "v=spf1 \x80"
        "a -all",  // non-ASCII
        "v=spf1 ip4:192.0.2.5\n include:x.example.com",
        "v=spf10 -all",  // not SPF at all
        "spf1 -all",
    };
    for (const char* text : bad) {
        const std::string error = parse_error(text);
        CHECK(error.size() > 10);
    }
    CHECK_THAT(parse_error("v=spf1 moo"), Catch::Contains("unknown mechanism 'moo'"));
    CHECK_THAT(parse_error("v=spf1 ip4:1.2.3.4/33"), Catch::Contains("5.6"));
    CHECK_THAT(parse_error(std::string("v=spf1 a:x.example.com") + '\0'), Catch::Contains("0x00"));
}

TEST_CASE("domain-specs that end in a macro or a top label with dashes are fine", "[spf][record]") {
    parse_ok("v=spf1 a:%{H} -all");
    parse_ok("v=spf1 a:foo.example.xn--zckzah -all");
    parse_ok("v=spf1 a:foo:bar/baz.example.com");
    parse_ok("v=spf1 a:mail.example...com");  // syntactically valid, cannot be queried
    parse_ok("v=spf1 a:macro%%percent%_%_space%-url-space.example.com");
    parse_ok("v=spf1 exists:%{l2r+-}.user.%{d2}");
    parse_ok("v=spf1 a:example.com. -all");
}

TEST_CASE("huge records and too many terms are refused, not processed", "[spf][record]") {
    std::string huge = "v=spf1";
    while (huge.size() <= kMaxSpfRecordLength)
        huge += " ip4:192.0.2.1";
    CHECK_THAT(parse_error(huge), Catch::Contains("limit"));
    std::string many = "v=spf1";
    for (std::size_t i = 0; i <= kMaxSpfTerms; ++i)
        many += " a";
    REQUIRE(many.size() < kMaxSpfRecordLength);
    CHECK_THAT(parse_error(many), Catch::Contains("terms"));
}
