// The DSN writer's text layer (harness/relay/bounce/dsn_text.hpp): dates, one-line values,
// folding within RFC 5322's line limits.
#include <catch2/catch.hpp>

#include "harness/relay/bounce/dsn_text.hpp"
#include "probes/auth/message_headers.hpp"
#include "tests/unit/relay_bounce/report_parts.hpp"

using namespace relaylab::relay::dsn_text;
using relaylab::relay::test::lines_ok;

TEST_CASE("rfc5322_date: Unix ms to an RFC 5322 date in UTC", "[dsn_text]") {
    CHECK(rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
    CHECK(rfc5322_date(951782400000) == "Tue, 29 Feb 2000 00:00:00 +0000");
    CHECK(rfc5322_date(1796198305999) == "Wed, 02 Dec 2026 07:58:25 +0000");
    CHECK(rfc5322_date(-1) == "Wed, 31 Dec 1969 23:59:59 +0000");  // rounded down
}

TEST_CASE("one_line: breaks, controls and bad UTF-8 neutralised; cut with a marker", "[dsn_text]") {
    CHECK(one_line("a\r\nb\n\nc\rd", false, 100) == "a b c d");
    CHECK(one_line("  tab\there  ", false, 100) == "tab here");
    CHECK(one_line(std::string("nul\0bell\x07", 9), false, 100) == "nul?bell?");
    CHECK(one_line("caf\xC3\xA9", false, 100) == "caf??");
    CHECK(one_line("caf\xC3\xA9", true, 100) == "caf\xC3\xA9");
    CHECK(one_line("caf\xC3", true, 100) == "caf?");  // truncated sequence: not UTF-8
    std::string long_text(500, 'a');
    std::string cut = one_line(long_text, false, 100);
    CHECK(cut.size() == 100);
    CHECK(cut.substr(94) == " [...]");
    // Never cut inside a UTF-8 sequence.
    std::string accents;
    for (int i = 0; i < 100; ++i)
        accents += "\xC3\xA9";
    std::string cut_utf8 = one_line(accents, true, 51);
    CHECK(cut_utf8.size() <= 51);
    CHECK(cut_utf8.substr(0, cut_utf8.size() - 6).size() % 2 == 0);
}

TEST_CASE("append_field folds at spaces near 78 columns, and unfolds to the value", "[dsn_text]") {
    std::string value;
    for (int i = 0; i < 40; ++i)
        value += (i ? " " : "") + std::string("word") + std::to_string(i);
    std::string out;
    append_field(out, "Diagnostic-Code", value);
    CHECK(lines_ok(out));
    std::size_t longest = 0, start = 0;
    for (std::size_t eol; (eol = out.find("\r\n", start)) != std::string::npos; start = eol + 2)
        longest = std::max(longest, eol - start);
    CHECK(longest <= 78);
    CHECK(out.find("\r\n ") != std::string::npos);
    std::string value_part = out.substr(out.find(':') + 1);
    CHECK(relaylab::auth::trim_wsp(relaylab::auth::unfold(value_part)) == value);
}

TEST_CASE("append_field splits a word longer than a line; every line stays <= 998", "[dsn_text]") {
    for (std::size_t length : {997u, 998u, 999u, 2500u, 5000u}) {
        std::string out;
        append_field(out, "Diagnostic-Code", "smtp; " + std::string(length, 'z'));
        std::string why;
        INFO(length << ": " << why);
        CHECK(lines_ok(out, &why));
        std::size_t zs = 0;
        for (char ch : out)
            zs += ch == 'z';
        CHECK(zs == length);  // nothing lost
    }
}

TEST_CASE("append_wrapped wraps prose with indents and never exceeds 998", "[dsn_text]") {
    std::string out;
    append_wrapped(
        out,
        "<bob@dest.example>: delivery failed; the reply was: " + std::string(2000, 'q') + " tail",
        "", "    ");
    CHECK(lines_ok(out));
    CHECK(out.rfind("<bob@dest.example>: delivery failed;", 0) == 0);
    CHECK(out.find("\r\n    ") != std::string::npos);
    CHECK(out.find("tail\r\n") != std::string::npos);
}
