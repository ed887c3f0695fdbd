// Macro expansion: the examples of RFC 7208 7.4, URL escaping, truncation and bad syntax.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "probes/auth/spf_ip.hpp"
#include "probes/auth/spf_macro.hpp"

using namespace relaylab::auth;

namespace {

MacroValues rfc_values(const std::string& ip_text) {
    const auto ip = IpAddress::parse(ip_text);
    REQUIRE(ip);
    MacroValues v;
    v.sender = "strong-bad@email.example.com";
    v.local_part = "strong-bad";
    v.sender_domain = "email.example.com";
    v.domain = "email.example.com";
    v.ip_dotted = ip->to_dotted();
    v.ip_readable = ip->to_string();
    v.ip_version = ip->is_v4() ? "in-addr" : "ip6";
    v.ptr_name = "mx.example.org";
    v.helo = "mx.example.org";
    v.receiver = "rx.example.net";
    v.timestamp = "1700000000";
    return v;
}

std::string expand(const std::string& text, const MacroValues& v,
                   MacroContext context = MacroContext::domain_spec) {
    auto out = expand_macros(text, v, context);
    INFO(text);
    REQUIRE(out);
    return *out;
}

}  // namespace

TEST_CASE("RFC 7208 7.4 macro examples (IPv4 client 192.0.2.3)", "[spf][macro]") {
    const auto v = rfc_values("192.0.2.3");
    const std::pair<const char*, const char*> table[] = {
        {"%{s}", "strong-bad@email.example.com"},
        {"%{o}", "email.example.com"},
        {"%{d}", "email.example.com"},
        {"%{d4}", "email.example.com"},
        {"%{d3}", "email.example.com"},
        {"%{d2}", "example.com"},
        {"%{d1}", "com"},
        {"%{dr}", "com.example.email"},
        {"%{d2r}", "example.email"},
        {"%{l}", "strong-bad"},
        {"%{l-}", "strong.bad"},
        {"%{lr}", "strong-bad"},
        {"%{lr-}", "bad.strong"},
        {"%{l1r-}", "strong"},
        {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
        {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
        {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
        {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
        {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
    };
    for (const auto& [macro, want] : table) {
        INFO(macro);
        CHECK(expand(macro, v) == want);
    }
}

TEST_CASE("RFC 7208 7.4 IPv6 example (client 2001:db8::cb01)", "[spf][macro]") {
    const auto v = rfc_values("2001:db8::cb01");
    std::string got = expand("%{ir}.%{v}._spf.%{d2}", v);
    // RFC 7208 prints lower-case nibbles; the RFC 7208 test suite expects upper case, which we
    // follow. DNS names compare case-insensitively, so only the letters' case may differ.
    std::transform(got.begin(), got.end(), got.begin(), ::tolower);
    CHECK(got ==
          "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
    CHECK(expand("%{c}", v, MacroContext::explanation) == "2001:db8::cb01");
}

TEST_CASE("escapes, upper-case letters and explanation-only letters", "[spf][macro]") {
    auto v = rfc_values("192.0.2.3");
    CHECK(expand("a%%b%_c%-d", v) == "a%b c%20d");
    v.local_part = "~jack&jill=up-a_b3.c";
    CHECK(expand("%{L}", v) == "~jack%26jill%3Dup-a_b3.c");
    CHECK(expand("%{c} %{r} %{t}", v, MacroContext::explanation) ==
          "192.0.2.3 rx.example.net 1700000000");
    CHECK_FALSE(expand_macros("%{c}", v, MacroContext::domain_spec));
    CHECK_FALSE(expand_macros("has space", v, MacroContext::domain_spec));
    CHECK(expand("has space", v, MacroContext::explanation) == "has space");
    v.local_part = "foo-bar+zip+quux";
    CHECK(expand("%{l2r+-}", v) == "bar.foo");
    CHECK(expand("%{l999}", v) == "foo-bar+zip+quux");
    CHECK(expand("%{l99999999999999999999}", v) == "foo-bar+zip+quux");  // saturates
}

TEST_CASE("macro syntax errors name the problem", "[spf][macro]") {
    CHECK(macro_syntax_error("%{d}", MacroContext::domain_spec) == std::nullopt);
    CHECK(macro_syntax_error("%", MacroContext::domain_spec));
    CHECK(macro_syntax_error("%x", MacroContext::domain_spec));
    CHECK(macro_syntax_error("%{", MacroContext::domain_spec));
    CHECK(macro_syntax_error("%{q}", MacroContext::domain_spec));
    CHECK(macro_syntax_error("%{d0}", MacroContext::domain_spec));
    CHECK(macro_syntax_error("%{d2r", MacroContext::domain_spec));
    CHECK(macro_syntax_error("%{d!}", MacroContext::domain_spec));
    CHECK(
        macro_syntax_error("\xEF\xBB\xBF"
                           "x",
                           MacroContext::explanation));
    CHECK_THAT(*macro_syntax_error("%{t}", MacroContext::domain_spec), Catch::Contains("exp="));
    CHECK(domain_spec_error("example.com") == std::nullopt);
    CHECK(domain_spec_error("%{d}") == std::nullopt);
    CHECK(domain_spec_error("foo.%-") == std::nullopt);
    CHECK(domain_spec_error(""));
    CHECK(domain_spec_error("foo.%-."));
    CHECK(domain_spec_error("com"));
    CHECK(uses_p_macro("%{p}.x.com"));
    CHECK(uses_p_macro("x.%{P2}.com"));
    CHECK_FALSE(uses_p_macro("%%{p}.x.com"));
}

TEST_CASE("expanded names over 253 characters lose labels on the left", "[spf][macro]") {
    std::string name;
    for (int i = 0; i < 40; ++i)
        name += "label" + std::to_string(i) + ".";
    name += "example.com";
    REQUIRE(name.size() > 253);
    const std::string cut = truncate_domain(name);
    CHECK(cut.size() <= 253);
    CHECK(cut.size() > 240);
    CHECK(name.compare(name.size() - cut.size(), cut.size(), cut) == 0);
    CHECK(name[name.size() - cut.size() - 1] == '.');
    CHECK(truncate_domain(std::string(300, 'a')).empty());
}
