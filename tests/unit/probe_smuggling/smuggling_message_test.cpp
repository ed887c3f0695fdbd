// The look-alike list and the test message: every variant is a look-alike and no real end,
// the message holds it exactly once, right between its begin marker and the NOOP line, and
// nothing else in the message could end DATA or needs dot-stuffing.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "probes/policy/smuggling_variants.hpp"

using relaylab::probe::has_bare_newline;
using relaylab::probe::make_smuggling_message;
using relaylab::probe::smuggling_variants;

TEST_CASE("the variants are distinct look-alikes, none a real end of data", "[smuggling]") {
    std::set<std::string> names;
    std::set<std::string> sequences;
    REQUIRE(smuggling_variants().size() >= 14);
    for (const auto& v : smuggling_variants()) {
        INFO(v.name);
        CHECK(names.insert(std::string(v.name)).second);
        CHECK(sequences.insert(std::string(v.bytes)).second);
        // A dot between delimiters, never the real <CRLF>.<CRLF>.
        CHECK(v.bytes.find('.') != std::string_view::npos);
        CHECK(("\r\n" + std::string(v.bytes)).find("\r\n.\r\n") == std::string::npos);
        const bool nul = v.bytes.find('\0') != std::string_view::npos;
        CHECK((has_bare_newline(v.bytes) || nul));
    }
    // The classic five of the issue are there.
    for (const char* name : {"lf-dot-lf", "lf-dot-crlf", "cr-dot-cr", "crlf-dot-lf", "lf-dot-cr"})
        CHECK(relaylab::probe::find_smuggling_variant(name) != nullptr);
    CHECK(relaylab::probe::find_smuggling_variant("crlf-dot-crlf") == nullptr);
}

TEST_CASE("has_bare_newline", "[smuggling]") {
    CHECK_FALSE(has_bare_newline("a\r\nb\r\n"));
    CHECK(has_bare_newline("a\nb"));
    CHECK(has_bare_newline("a\rb"));
    CHECK(has_bare_newline("\n"));
    CHECK(has_bare_newline("a\r"));
    CHECK(has_bare_newline("\r\r\n"));
    CHECK_FALSE(has_bare_newline(std::string("\r\n\0.\r\n", 6)));
}

TEST_CASE("the test message holds its look-alike once, between the markers", "[smuggling]") {
    for (const auto& v : smuggling_variants()) {
        INFO(v.name);
        auto m = make_smuggling_message(v, "0123456789abcdef", "probe@relaylab.test",
                                        "postmaster@mx.test", "Mon, 1 Jan 2024 00:00:00 +0000");
        const std::string content = m.head + m.tail;
        const std::string expected =
            m.begin_marker + std::string(v.bytes) + m.after_marker + "\r\n";
        CHECK(content.find(expected) != std::string::npos);
        CHECK(m.head.size() >= expected.size());
        CHECK(m.head.substr(m.head.size() - expected.size()) == expected);
        CHECK(content.find(m.header + "\r\n") != std::string::npos);
        CHECK_THAT(m.after_marker, Catch::StartsWith("NOOP "));
        // Apart from the look-alike, plain CRLF lines, none starting with a dot (no stuffing
        // due), and no real end of data.
        std::string rest = content;
        rest.erase(rest.find(std::string(v.bytes)), v.bytes.size());
        rest.insert(rest.find(m.after_marker), "\r\n");
        CHECK_FALSE(has_bare_newline(rest));
        CHECK(rest.find("\r\n.") == std::string::npos);
        CHECK(rest.find('\0') == std::string::npos);
        CHECK(m.tail.size() >= 2);
        CHECK(m.tail.substr(m.tail.size() - 2) == "\r\n");
        CHECK(m.head.find("MAIL FROM") == std::string::npos);
        CHECK(m.head.find("RCPT TO") == std::string::npos);
    }
}

TEST_CASE("tokens are 16 hex digits and differ", "[smuggling]") {
    auto a = relaylab::probe::make_smuggling_token();
    auto b = relaylab::probe::make_smuggling_token();
    CHECK(a.size() == 16);
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(a != b);
}
