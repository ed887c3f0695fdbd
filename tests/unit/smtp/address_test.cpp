// RFC 5321 4.1.2 paths: table of labelled cases with "got X, want Y" messages (as Postfix's
// smtpd_peer_test.c), including the 4.5.3.1 length limits and the RFC 6531 UTF-8 extension.
#include <catch2/catch.hpp>
#include <string>

#include "harness/smtp/address.hpp"

using namespace std::string_literals;
using relaylab::smtp::PathError;
using relaylab::smtp::PathOptions;

namespace {

const PathOptions strict{};
const PathOptions mail_from{.allow_null = true};
const PathOptions rcpt_to{.allow_postmaster = true};
const PathOptions utf8{.allow_utf8 = true};

struct PathCase {
    const char* label;
    std::string input;
    PathOptions options;
    PathError error;
    std::string local;   // expected local part (when error is none)
    std::string domain;  // expected domain
    std::string rest = "";
};

std::string name(PathError error) {
    return std::string(relaylab::smtp::describe(error));
}

}  // namespace

TEST_CASE("parse_path table", "[address]") {
    const std::string local64(64, 'l');
    const std::string local65(65, 'l');
    // A 255-octet domain: labels of 63 with dots (63*4 + 3 = 255).
    const std::string label63(63, 'd');
    const std::string domain255 = label63 + '.' + label63 + '.' + label63 + '.' + label63;
    // A path of exactly 256 octets with brackets: 64 + 1 + domain + 2 = 256 -> domain of 189.
    const std::string domain189 = label63 + '.' + label63 + '.' + std::string(61, 'e');
    REQUIRE(domain189.size() == 189);
    const std::string domain190 = domain189 + 'e';

    auto c = GENERATE_COPY(values<PathCase>({
        {"simple", "<user@example.com>", strict, PathError::none, "user", "example.com"},
        {"rest is returned", "<user@example.com> SIZE=10", strict, PathError::none, "user",
         "example.com", " SIZE=10"},
        {"atext specials", "<a!#$%&'*+-/=?^_`{|}~z@x.test>", strict, PathError::none,
         "a!#$%&'*+-/=?^_`{|}~z", "x.test"},
        {"dot-string", "<first.last@x.test>", strict, PathError::none, "first.last", "x.test"},
        {"leading dot", "<.first@x.test>", strict, PathError::bad_local_part, "", ""},
        {"trailing dot", "<first.@x.test>", strict, PathError::bad_local_part, "", ""},
        {"double dot", "<a..b@x.test>", strict, PathError::bad_local_part, "", ""},
        {"space in local part", "<a b@x.test>", strict, PathError::bad_local_part, "", ""},
        {"quoted local part", "<\"john doe\"@x.test>", strict, PathError::none, "\"john doe\"",
         "x.test"},
        {"quoted with escaped quote", "<\"a\\\"b\"@x.test>", strict, PathError::none, "\"a\\\"b\"",
         "x.test"},
        {"quoted with @ and >", "<\"a@b>c\"@x.test>", strict, PathError::none, "\"a@b>c\"",
         "x.test"},
        {"quoted empty", "<\"\"@x.test>", strict, PathError::none, "\"\"", "x.test"},
        {"quoted control char", "<\"a\x01\"@x.test>", strict, PathError::bad_local_part, "", ""},
        {"quoted escaped control", "<\"a\\\x01\"@x.test>", strict, PathError::bad_local_part, "",
         ""},
        {"quoted then junk", "<\"a\"b@x.test>", strict, PathError::bad_local_part, "", ""},
        {"unterminated quote", "<\"ab@x.test>", strict, PathError::missing_brackets, "", ""},
        {"IPv4 literal", "<u@[192.0.2.1]>", strict, PathError::none, "u", "[192.0.2.1]"},
        {"IPv4 literal out of range", "<u@[192.0.2.256]>", strict, PathError::bad_address_literal,
         "", ""},
        {"IPv4 literal three parts", "<u@[192.0.2]>", strict, PathError::bad_address_literal, "",
         ""},
        {"IPv6 literal", "<u@[IPv6:2001:db8::1]>", strict, PathError::none, "u",
         "[IPv6:2001:db8::1]"},
        {"IPv6 literal full", "<u@[IPv6:2001:db8:0:0:0:0:0:1]>", strict, PathError::none, "u",
         "[IPv6:2001:db8:0:0:0:0:0:1]"},
        {"IPv6 literal v4-mapped", "<u@[IPv6:::ffff:192.0.2.1]>", strict, PathError::none, "u",
         "[IPv6:::ffff:192.0.2.1]"},
        {"IPv6 literal bad", "<u@[IPv6:2001:db8:::1]>", strict, PathError::bad_address_literal, "",
         ""},
        // "2001" is a syntactically valid Standardized-tag, so this is a General-address-literal.
        {"IPv6 without tag", "<u@[2001:db8::1]>", strict, PathError::none, "u", "[2001:db8::1]"},
        {"general literal", "<u@[x-tag:some.value]>", strict, PathError::none, "u",
         "[x-tag:some.value]"},
        {"general literal empty value", "<u@[x-tag:]>", strict, PathError::bad_address_literal, "",
         ""},
        {"general literal tag ends in hyphen", "<u@[tag-:v]>", strict,
         PathError::bad_address_literal, "", ""},
        {"general literal bad dcontent", "<u@[tag:a\\b]>", strict, PathError::bad_address_literal,
         "", ""},
        {"empty literal", "<u@[]>", strict, PathError::bad_address_literal, "", ""},
        {"unclosed literal", "<u@[192.0.2.1>", strict, PathError::bad_address_literal, "", ""},
        {"null path allowed", "<>", mail_from, PathError::none, "", ""},
        {"null path refused", "<>", strict, PathError::null_not_allowed, "", ""},
        {"null path with params", "<> BODY=8BITMIME", mail_from, PathError::none, "", "",
         " BODY=8BITMIME"},
        {"Postmaster", "<Postmaster>", rcpt_to, PathError::none, "Postmaster", ""},
        {"postmaster any case", "<pOsTmAsTeR>", rcpt_to, PathError::none, "pOsTmAsTeR", ""},
        {"Postmaster not allowed", "<Postmaster>", strict, PathError::missing_domain, "", ""},
        {"Postmaster with domain", "<Postmaster@x.test>", rcpt_to, PathError::none, "Postmaster",
         "x.test"},
        {"source route ignored", "<@relay.test:u@x.test>", strict, PathError::none, "u", "x.test"},
        {"source route two hops", "<@a.test,@b.test:u@x.test>", strict, PathError::none, "u",
         "x.test"},
        {"source route without colon", "<@a.test,u@x.test>", strict, PathError::bad_source_route,
         "", ""},
        {"source route bad hop", "<@a.test,b.test:u@x.test>", strict, PathError::bad_source_route,
         "", ""},
        {"source route empty hop", "<@:u@x.test>", strict, PathError::bad_source_route, "", ""},
        {"no brackets", "user@x.test", strict, PathError::missing_brackets, "", ""},
        {"no closing bracket", "<user@x.test", strict, PathError::missing_brackets, "", ""},
        {"empty input", "", strict, PathError::missing_brackets, "", ""},
        {"no domain", "<user>", strict, PathError::missing_domain, "", ""},
        {"empty domain", "<user@>", strict, PathError::missing_domain, "", ""},
        {"empty local part", "<@x.test>", strict, PathError::bad_source_route, "", ""},
        {"domain with underscore", "<u@x_y.test>", strict, PathError::bad_domain, "", ""},
        {"domain leading hyphen", "<u@-x.test>", strict, PathError::bad_domain, "", ""},
        {"domain trailing hyphen", "<u@x-.test>", strict, PathError::bad_domain, "", ""},
        {"domain empty label", "<u@x..test>", strict, PathError::bad_domain, "", ""},
        {"domain trailing dot", "<u@x.test.>", strict, PathError::bad_domain, "", ""},
        {"domain label 64", "<u@" + std::string(64, 'd') + ".test>", strict, PathError::bad_domain,
         "", ""},
        {"domain label 63", "<u@" + label63 + ".test>", strict, PathError::none, "u",
         label63 + ".test"},
        {"two @", "<a@b@x.test>", strict, PathError::bad_domain, "", ""},
        {"local part 64", "<" + local64 + "@x.test>", strict, PathError::none, local64, "x.test"},
        {"local part 65", "<" + local65 + "@x.test>", strict, PathError::local_part_too_long, "",
         ""},
        {"path of 256", "<" + local64 + "@" + domain189 + ">", strict, PathError::none, local64,
         domain189},
        {"path of 257", "<" + local64 + "@" + domain190 + ">", strict, PathError::path_too_long, "",
         ""},
        {"domain 255 makes the path too long", "<u@" + domain255 + ">", strict,
         PathError::path_too_long, "", ""},
        {"UTF-8 without SMTPUTF8", "<j\xc3\xb6rg@x.test>", strict, PathError::non_ascii, "", ""},
        {"UTF-8 with SMTPUTF8",
         "<j\xc3\xb6rg@b\xc3\xbc"
         "cher.test>",
         utf8, PathError::none, "j\xc3\xb6rg",
         "b\xc3\xbc"
         "cher.test"},
        {"UTF-8 domain without SMTPUTF8",
         "<j@b\xc3\xbc"
         "cher.test>",
         strict, PathError::non_ascii, "", ""},
        {"UTF-8 quoted with SMTPUTF8", "<\"j \xc3\xb6\"@x.test>", utf8, PathError::none,
         "\"j \xc3\xb6\"", "x.test"},
        // RFC 6531 3.3 / RFC 3629 4: only well-formed UTF-8 is an address under SMTPUTF8.
        {"UTF-8 4-octet (U+1F600)", "<\xf0\x9f\x98\x80@x.test>", utf8, PathError::none,
         "\xf0\x9f\x98\x80", "x.test"},
        {"UTF-8 stray continuation", "<j\x80rg@x.test>", utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 truncated", "<j\xc3@x.test>", utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 truncated at the end", "<u@x.test\xe2\x82>", utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 overlong slash C0 AF",
         "<a\xc0\xaf"
         "b@x.test>",
         utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 overlong C1", "<a\xc1\x81@x.test>", utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 overlong 3-octet", "<a\xe0\x80\xaf@x.test>", utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 overlong 4-octet", "<a\xf0\x80\x80\xaf@x.test>", utf8, PathError::invalid_utf8, "",
         ""},
        {"UTF-8 surrogate U+D800", "<a\xed\xa0\x80@x.test>", utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 U+110000", "<a\xf4\x90\x80\x80@x.test>", utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 F5 lead", "<a\xf5\x80\x80\x80@x.test>", utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 U+10FFFF is the last", "<a\xf4\x8f\xbf\xbf@x.test>", utf8, PathError::none,
         "a\xf4\x8f\xbf\xbf", "x.test"},
        {"UTF-8 U+D7FF and U+E000 around the surrogates", "<\xed\x9f\xbf\xee\x80\x80@x.test>", utf8,
         PathError::none, "\xed\x9f\xbf\xee\x80\x80", "x.test"},
        {"UTF-8 invalid in the domain",
         "<u@b\xfc"
         "cher.test>",
         utf8, PathError::invalid_utf8, "", ""},
        {"UTF-8 invalid in a quoted local part", "<\"j \xff\"@x.test>", utf8,
         PathError::invalid_utf8, "", ""},
        {"NUL in local part", "<a\0b@x.test>"s, strict, PathError::bad_local_part, "", ""},
        {"NUL in address literal", "<u@[192.0.2.1\0junk]>"s, strict, PathError::bad_address_literal,
         "", ""},
    }));
    INFO(c.label << ": input \"" << c.input << "\"");
    auto result = relaylab::smtp::parse_path(c.input, c.options);
    INFO("got error \"" << name(result.error) << "\", want \"" << name(c.error) << "\"");
    REQUIRE(result.error == c.error);
    if (c.error == PathError::none) {
        CHECK(result.path.mailbox.local_part == c.local);
        CHECK(result.path.mailbox.domain == c.domain);
        CHECK(std::string(result.rest) == c.rest);
    }
}

TEST_CASE("parse_path flags", "[address]") {
    auto null = relaylab::smtp::parse_path("<>", mail_from);
    CHECK(null.path.null);
    CHECK(null.path.address().empty());

    auto postmaster = relaylab::smtp::parse_path("<Postmaster>", rcpt_to);
    CHECK(postmaster.path.postmaster);
    CHECK(postmaster.path.address() == "Postmaster");

    auto plain = relaylab::smtp::parse_path("<u@x.test>", strict);
    CHECK_FALSE(plain.path.null);
    CHECK_FALSE(plain.path.postmaster);
    CHECK_FALSE(plain.path.utf8);
    CHECK(plain.path.address() == "u@x.test");

    auto intl = relaylab::smtp::parse_path("<\xc3\xbc@x.test>", utf8);
    CHECK(intl.path.utf8);
}

TEST_CASE("is_valid_domain limits", "[address]") {
    const std::string label63(63, 'd');
    const std::string domain255 = label63 + '.' + label63 + '.' + label63 + '.' + label63;
    REQUIRE(domain255.size() == 255);
    CHECK(relaylab::smtp::is_valid_domain(domain255));
    CHECK_FALSE(relaylab::smtp::is_valid_domain(domain255 + "d"));  // 256 octets
    CHECK(relaylab::smtp::is_valid_domain("a"));
    CHECK(relaylab::smtp::is_valid_domain("1.2.3.4"));
    CHECK_FALSE(relaylab::smtp::is_valid_domain(""));
    CHECK_FALSE(relaylab::smtp::is_valid_domain("\xc3\xbc.test"));
    CHECK(relaylab::smtp::is_valid_domain("\xc3\xbc.test", true));
}

TEST_CASE("is_valid_address_literal", "[address]") {
    CHECK(relaylab::smtp::is_valid_address_literal("[127.0.0.1]"));
    CHECK(relaylab::smtp::is_valid_address_literal("[IPv6:::1]"));
    CHECK(relaylab::smtp::is_valid_address_literal("[IPv6:fe80::1]"));
    CHECK_FALSE(relaylab::smtp::is_valid_address_literal("[IPv6:fe80::1%eth0]"));
    CHECK_FALSE(relaylab::smtp::is_valid_address_literal("127.0.0.1"));
    CHECK_FALSE(relaylab::smtp::is_valid_address_literal("[]"));
    CHECK_FALSE(relaylab::smtp::is_valid_address_literal("[:x]"));
    CHECK_FALSE(relaylab::smtp::is_valid_address_literal("[127.0.0.01]"));
    CHECK_FALSE(relaylab::smtp::is_valid_address_literal("[127.0.0.1\0]"s));
}
