// spamd/PROTOCOL as spamd 4.0.1 speaks it (the answers below are its bytes, captured from
// Debian 12's spamd), and what the parser makes of answers no spamd should send.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fake-mx/placement/model/spamd_protocol.hpp"

using namespace relaylab::placement::spamd;
using State = ReplyParser::State;

namespace {

const std::string gtube_answer =
    "SPAMD/1.1 0 EX_OK\r\n"
    "Content-length: 55\r\n"
    "Spam: True ; 1000.0 / 5.0\r\n"
    "\r\n"
    "GTUBE,MSGID_SHORT,NO_RECEIVED,NO_RELAYS,TVD_SPACE_RATIO";

const std::string ham_answer =
    "SPAMD/1.1 0 EX_OK\r\n"
    "Content-length: 22\r\n"
    "Spam: False ; -0.1 / 5.0\r\n"
    "\r\n"
    "NO_RECEIVED,NO_RELAYS\r\n";

// One feed, then the close.
ReplyParser parse_whole(std::string_view bytes, Request request = Request::symbols) {
    ReplyParser parser(request);
    parser.put(bytes);
    parser.finish();
    return parser;
}

// Every split into two feeds, and byte by byte: the same outcome as in one feed.
void check_every_split(const std::string& bytes, Request request = Request::symbols) {
    const ReplyParser whole = parse_whole(bytes, request);
    for (std::size_t at = 0; at <= bytes.size(); ++at) {
        ReplyParser parser(request);
        std::size_t used = parser.put(std::string_view(bytes).substr(0, at));
        if (parser.state() == State::need_more) {
            CHECK(used == at);
            parser.put(std::string_view(bytes).substr(at));
        }
        parser.finish();
        INFO("split at " << at);
        REQUIRE(parser.state() == whole.state());
        CHECK(parser.error() == whole.error());
        CHECK(parser.reply().score == whole.reply().score);
        CHECK(parser.reply().rules == whole.reply().rules);
    }
    ReplyParser bytewise(request);
    for (char c : bytes) {
        if (bytewise.state() != State::need_more) break;
        bytewise.put(std::string_view(&c, 1));
    }
    bytewise.finish();
    CHECK(bytewise.state() == whole.state());
    CHECK(bytewise.error() == whole.error());
}

}  // namespace

TEST_CASE("the SYMBOLS request is spamc's: verb, SPAMC/1.5, Content-length of the message") {
    CHECK(symbols_request_head(187) == "SYMBOLS SPAMC/1.5\r\nContent-length: 187\r\n\r\n");
    CHECK(symbols_request_head(0, "relaylab") ==
          "SYMBOLS SPAMC/1.5\r\nContent-length: 0\r\nUser: relaylab\r\n\r\n");
    CHECK(ping_request() == "PING SPAMC/1.5\r\n\r\n");
}

TEST_CASE("a spam answer gives the verdict, score, threshold and rules") {
    auto parser = parse_whole(gtube_answer);
    REQUIRE(parser.state() == State::done);
    const Reply& reply = parser.reply();
    CHECK(reply.version == "1.1");
    CHECK(reply.code == 0);
    CHECK(reply.status_text == "EX_OK");
    CHECK(reply.is_spam);
    CHECK(reply.score == 1000.0);
    CHECK(reply.threshold == 5.0);
    CHECK(reply.rules == std::vector<std::string>{"GTUBE", "MSGID_SHORT", "NO_RECEIVED",
                                                  "NO_RELAYS", "TVD_SPACE_RATIO"});
}

TEST_CASE("the answer is complete at Content-length, before the close") {
    ReplyParser parser;
    std::string with_extra = gtube_answer + "TRAILING";
    CHECK(parser.put(with_extra) == gtube_answer.size());
    CHECK(parser.state() == State::done);
}

TEST_CASE("a ham answer: negative score, CRLF after the rule list") {
    auto parser = parse_whole(ham_answer);
    REQUIRE(parser.state() == State::done);
    CHECK_FALSE(parser.reply().is_spam);
    CHECK(parser.reply().score == Approx(-0.1));
    CHECK(parser.reply().rules == std::vector<std::string>{"NO_RECEIVED", "NO_RELAYS"});
}

TEST_CASE("answers split at every byte parse as in one feed") {
    check_every_split(gtube_answer);
    check_every_split(ham_answer);
    check_every_split("SPAMD/1.0 76 Bad header line: BLAH SPAMC/1.5\r\n");
    check_every_split("SPAMD/1.5 0 PONG\r\n", Request::ping);
    check_every_split("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 7.0 / 5.0\r\n\r\nA,B");  // to the close
    check_every_split("SPAMD/1.1 0 EX_OK\r\nContent-length: 9\r\n\r\nGTUBE");     // truncated
}

TEST_CASE("answers that are not a score, with the error named") {
    struct Case {
        const char* label;
        std::string bytes;
        ReplyError want;
        const char* detail;  // in error_text()
    };
    const std::vector<Case> cases = {
        {"spamd's error status", "SPAMD/1.0 76 Bad header line: BLAH SPAMC/1.5\r\n",
         ReplyError::spamd_error, "76 Bad header line"},
        {"spamd's timeout status", "SPAMD/1.0 79 Timeout: (300 second timeout)\r\n",
         ReplyError::spamd_error, "79 Timeout"},
        {"an HTTP server", "HTTP/1.1 400 Bad Request\r\n\r\n", ReplyError::bad_status_line,
         "HTTP/1.1 400"},
        {"an SMTP server", "220 mx.example.test ESMTP\r\n", ReplyError::bad_status_line, "220"},
        {"binary garbage", std::string("\x16\x03\x01\x00\xff\n", 6), ReplyError::bad_status_line,
         ""},
        {"no version", "SPAMD/ 0 EX_OK\r\n", ReplyError::bad_status_line, ""},
        {"no code", "SPAMD/1.1 EX_OK\r\n", ReplyError::bad_status_line, ""},
        {"missing Spam header", "SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\n\r\nGTUBE",
         ReplyError::missing_spam_header, ""},
        {"Spam twice",
         "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 9.0 / 5.0\r\nSpam: False ; 0.0 / 5.0\r\n\r\n",
         ReplyError::bad_header, "twice"},
        {"header without colon", "SPAMD/1.1 0 EX_OK\r\nSpam True\r\n\r\n", ReplyError::bad_header,
         ""},
        {"verdict not True/False", "SPAMD/1.1 0 EX_OK\r\nSpam: Maybe ; 1.0 / 5.0\r\n\r\n",
         ReplyError::bad_spam_header, "Maybe"},
        {"no threshold", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 10.0\r\n\r\n",
         ReplyError::bad_spam_header, ""},
        {"score not a number", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; abc / 5.0\r\n\r\n",
         ReplyError::bad_spam_header, ""},
        {"score nan", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; nan / 5.0\r\n\r\n",
         ReplyError::bad_spam_header, ""},
        {"score with exponent", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1e3 / 5.0\r\n\r\n",
         ReplyError::bad_spam_header, ""},
        {"score out of range", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 99999999.0 / 5.0\r\n\r\n",
         ReplyError::bad_spam_header, ""},
        {"threshold with junk", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 6.0 / 5.0x\r\n\r\n",
         ReplyError::bad_spam_header, ""},
        {"negative Content-length",
         "SPAMD/1.1 0 EX_OK\r\nContent-length: -1\r\nSpam: True ; 6.0 / 5.0\r\n\r\n",
         ReplyError::bad_content_length, ""},
        {"Content-length above the limit",
         "SPAMD/1.1 0 EX_OK\r\nContent-length: 70000\r\nSpam: True ; 6.0 / 5.0\r\n\r\n",
         ReplyError::body_too_large, "70000"},
        {"rule name with a space",
         "SPAMD/1.1 0 EX_OK\r\nContent-length: 9\r\nSpam: True ; 6.0 / 5.0\r\n\r\nGTU BE,OK",
         ReplyError::bad_rule_name, "GTU BE"},
        {"rule list cut short",
         "SPAMD/1.1 0 EX_OK\r\nContent-length: 55\r\nSpam: True ; 6.0 / 5.0\r\n\r\nGTUBE",
         ReplyError::truncated, "5 of 55"},
        {"closed in the headers", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 6.0 / 5.0\r\n",
         ReplyError::truncated, "headers"},
        {"closed at once", "", ReplyError::truncated, "status line"},
    };
    for (const auto& c : cases) {
        auto parser = parse_whole(c.bytes);
        INFO(c.label << ": got " << parser.error_text());
        CHECK(parser.state() == State::error);
        CHECK(parser.error() == c.want);
        CHECK(parser.error_text().find(c.detail) != std::string::npos);
    }
}

TEST_CASE("old spamds' Yes/No verdicts and any header case are read as spamc reads them") {
    auto parser = parse_whole("SPAMD/1.0 0 EX_OK\r\nspam: Yes ; 6.5 / 5.0\r\n\r\n");
    REQUIRE(parser.state() == State::done);
    CHECK(parser.reply().is_spam);
    CHECK(parser.reply().score == 6.5);
    CHECK(parser.reply().rules.empty());
}

TEST_CASE("limits: line length, header count, rule list size") {
    SECTION("a status line that never ends") {
        ReplyParser parser;
        std::string endless(max_line_bytes * 3, 'S');
        parser.put(endless);
        CHECK(parser.state() == State::error);
        CHECK(parser.error() == ReplyError::line_too_long);
    }
    SECTION("a long header line fed in small pieces") {
        ReplyParser parser;
        parser.put("SPAMD/1.1 0 EX_OK\r\nX-Filler: ");
        for (int i = 0; i < 1000 && parser.state() == State::need_more; ++i)
            parser.put("xxxxxxxx");
        CHECK(parser.error() == ReplyError::line_too_long);
    }
    SECTION("a line just at the limit passes") {
        std::string header = "X-Filler: " + std::string(max_line_bytes - 10, 'x');
        REQUIRE(header.size() == max_line_bytes);
        auto parser =
            parse_whole("SPAMD/1.1 0 EX_OK\r\n" + header + "\r\nSpam: False ; 0.0 / 5.0\r\n\r\n");
        CHECK(parser.state() == State::done);
    }
    SECTION("too many headers") {
        std::string bytes = "SPAMD/1.1 0 EX_OK\r\n";
        for (std::size_t i = 0; i <= max_header_count; ++i)
            bytes += "X-Header: 1\r\n";
        auto parser = parse_whole(bytes);
        CHECK(parser.error() == ReplyError::too_many_headers);
    }
    SECTION("a rule list without Content-length that grows past the limit") {
        ReplyParser parser;
        parser.put("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 6.0 / 5.0\r\n\r\n");
        std::string chunk(1024, 'A');
        for (int i = 0; i < 100 && parser.state() == State::need_more; ++i)
            parser.put(chunk);
        CHECK(parser.error() == ReplyError::body_too_large);
    }
}

TEST_CASE("PING wants PONG and nothing else") {
    auto pong = parse_whole("SPAMD/1.5 0 PONG\r\n", Request::ping);
    CHECK(pong.state() == State::done);
    auto ex_ok = parse_whole("SPAMD/1.5 0 EX_OK\r\n", Request::ping);
    CHECK(ex_ok.error() == ReplyError::not_pong);
    auto refused = parse_whole("SPAMD/1.0 76 Bad header line: PING\r\n", Request::ping);
    CHECK(refused.error() == ReplyError::spamd_error);
}

TEST_CASE("rule lists: blanks and empty items ignored, odd characters refused") {
    CHECK(parse_rule_list("") == std::vector<std::string>{});
    CHECK(parse_rule_list(" A , B,,C\r\n") == std::vector<std::string>{"A", "B", "C"});
    CHECK(parse_rule_list("T_SCC_BODY_TEXT_LINE,__RESERVED") ==
          std::vector<std::string>{"T_SCC_BODY_TEXT_LINE", "__RESERVED"});
    CHECK_FALSE(parse_rule_list("A;B").has_value());
    CHECK_FALSE(parse_rule_list(std::string("A\0B", 3)).has_value());
}
