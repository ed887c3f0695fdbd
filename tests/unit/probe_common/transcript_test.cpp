#include <catch2/catch.hpp>

#include "probes/common/transcript.hpp"

using namespace relaylab::probe;
using relaylab::smtp::make_reply;

TEST_CASE("visible_bytes shows the octets a smuggling check is about", "[probe]") {
    struct Case {
        std::string in;
        std::string want;
    };
    const Case cases[] = {
        {"DATA", "DATA"},
        {std::string("\n.\n"), "<LF>.<LF>"},
        {std::string("\r\n.\r"), "<CR><LF>.<CR>"},
        {std::string("a\0b", 3), "a<NUL>b"},
        {"tab\there", "tab\there"},
        {"\x1b[31m", "<0x1B>[31m"},
        {"caf\xc3\xa9", "caf<0xC3><0xA9>"},
    };
    for (const auto& c : cases) {
        INFO(c.want);
        CHECK(visible_bytes(c.in) == c.want);
    }
}

TEST_CASE("client bytes become one line per CRLF, bare newlines stay visible", "[probe]") {
    Transcript t;
    t.client("EHLO probe.relaylab.test\r\n");
    t.client("body\n.\nNOOP\r\n.\r\n");
    t.client("tail without end");
    REQUIRE(t.lines().size() == 4);
    CHECK(t.lines()[0] == "C: EHLO probe.relaylab.test");
    CHECK(t.lines()[1] == "C: body<LF>.<LF>NOOP");
    CHECK(t.lines()[2] == "C: .");
    CHECK(t.lines()[3] == "C: tail without end");
}

TEST_CASE("server replies are written as they came, multi-line with dashes", "[probe]") {
    Transcript t;
    relaylab::smtp::Reply ehlo;
    ehlo.code = 250;
    ehlo.lines = {"mx.example.test", "PIPELINING", "STARTTLS"};
    t.server(ehlo);
    t.server(make_reply(550, "5.7.1", "Relay access denied"));
    t.note("TLS established");
    REQUIRE(t.lines().size() == 5);
    CHECK(t.lines()[0] == "S: 250-mx.example.test");
    CHECK(t.lines()[2] == "S: 250 STARTTLS");
    CHECK(t.lines()[3] == "S: 550 5.7.1 Relay access denied");
    CHECK(t.lines()[4] == "-- TLS established");
}

TEST_CASE("a transcript stops growing at the evidence bound", "[probe]") {
    Transcript t;
    for (int i = 0; i < 5000; ++i)
        t.client("NOOP\r\n");
    CHECK(t.lines().size() <= 401);
    CHECK(t.lines().back() == "... (transcript cut)");
}
