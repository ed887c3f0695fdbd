// Reply formatting (RFC 5321 4.2, RFC 2034 enhanced codes) and the strict incremental
// ReplyParser, ground at every split offset as Beast's basic_parser tests do.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness/smtp/reply.hpp"

using namespace std::string_literals;
using relaylab::smtp::Reply;
using relaylab::smtp::ReplyParseError;
using relaylab::smtp::ReplyParser;

namespace {

struct ParseOutcome {
    std::vector<Reply> replies;
    ReplyParseError error = ReplyParseError::none;
    bool mid_reply = false;
    std::size_t consumed = 0;
};

// Feeds `wire` cut at the given offsets (ascending), collecting every reply.
ParseOutcome parse_in_pieces(std::string_view wire, const std::vector<std::size_t>& cuts) {
    ParseOutcome outcome;
    ReplyParser parser;
    std::size_t start = 0;
    auto feed = [&](std::size_t end) {
        std::string_view piece = wire.substr(start, end - start);
        std::size_t used = parser.feed(piece);
        REQUIRE(used <= piece.size());
        outcome.consumed += used;
        start = end;
        while (auto reply = parser.next())
            outcome.replies.push_back(*reply);
    };
    for (std::size_t cut : cuts)
        feed(cut);
    feed(wire.size());
    outcome.error = parser.error();
    outcome.mid_reply = parser.mid_reply();
    return outcome;
}

ParseOutcome parse_whole(std::string_view wire) {
    return parse_in_pieces(wire, {});
}

bool same(const Reply& a, const Reply& b) {
    return a.code == b.code && a.enhanced == b.enhanced && a.lines == b.lines;
}

// The outcome must not depend on how the bytes arrive: one cut anywhere, and byte by byte.
void grind(std::string_view wire) {
    ParseOutcome whole = parse_whole(wire);
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        INFO("split at offset " << cut);
        ParseOutcome split = parse_in_pieces(wire, {cut});
        REQUIRE(split.error == whole.error);
        // After an error the connection is dead; mid_reply only means something before.
        if (whole.error == ReplyParseError::none) REQUIRE(split.mid_reply == whole.mid_reply);
        REQUIRE(split.replies.size() == whole.replies.size());
        for (std::size_t i = 0; i < whole.replies.size(); ++i) {
            CHECK(same(split.replies[i], whole.replies[i]));
        }
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < wire.size(); ++i)
        every.push_back(i);
    ParseOutcome bytes = parse_in_pieces(wire, every);
    REQUIRE(bytes.error == whole.error);
    REQUIRE(bytes.replies.size() == whole.replies.size());
    for (std::size_t i = 0; i < whole.replies.size(); ++i) {
        CHECK(same(bytes.replies[i], whole.replies[i]));
    }
}

}  // namespace

TEST_CASE("append_reply formats single-line replies", "[reply]") {
    std::string out;
    relaylab::smtp::append_reply(out, 250, "2.0.0", "Ok");
    CHECK(out == "250 2.0.0 Ok\r\n");
    out.clear();
    relaylab::smtp::append_reply(out, 354, "", "End data with <CR><LF>.<CR><LF>");
    CHECK(out == "354 End data with <CR><LF>.<CR><LF>\r\n");
    out.clear();
    relaylab::smtp::append_reply(out, 334, "", "");
    CHECK(out == "334 \r\n");  // RFC 4954 4: "334" SP [base64]
}

TEST_CASE("append_reply formats multi-line replies with the enhanced code on every line",
          "[reply]") {
    Reply reply;
    reply.code = 550;
    reply.enhanced = "5.7.1";
    reply.lines = {"first", "second", "third"};
    CHECK(relaylab::smtp::format_reply(reply) ==
          "550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n");

    Reply ehlo;
    ehlo.code = 250;
    ehlo.lines = {"mx.test", "PIPELINING", "CHUNKING"};
    CHECK(relaylab::smtp::format_reply(ehlo) ==
          "250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");

    Reply empty;
    empty.code = 250;
    CHECK(relaylab::smtp::format_reply(empty) == "250 \r\n");
}

TEST_CASE("Reply accessors", "[reply]") {
    Reply reply = relaylab::smtp::make_reply(451, "4.3.0", "Try later");
    CHECK(reply.transient());
    CHECK_FALSE(reply.positive());
    CHECK(reply.kind() == 4);
    CHECK(reply.summary() == "451 4.3.0 Try later");
    reply.lines.push_back("again");
    CHECK(reply.text() == "Try later again");
    CHECK(relaylab::smtp::make_reply(250, "", "Ok").positive());
    CHECK(relaylab::smtp::make_reply(354, "", "go").intermediate());
    CHECK(relaylab::smtp::make_reply(554, "", "no").permanent());
    CHECK(relaylab::smtp::make_reply(554, "", "").summary() == "554");
}

TEST_CASE("formatted replies parse back to the same reply", "[reply]") {
    std::vector<Reply> replies = {
        relaylab::smtp::make_reply(220, "", "mx.test ESMTP"),
        relaylab::smtp::make_reply(250, "2.1.0", "Ok"),
        relaylab::smtp::make_reply(421, "4.4.2", "mx.test Error: timeout exceeded"),
        Reply{250, "", {"mx.test", "PIPELINING", "SIZE 1000", "CHUNKING"}},
        Reply{550, "5.7.1", {"one", "two"}},
    };
    std::string wire;
    for (const auto& reply : replies)
        relaylab::smtp::append_reply(wire, reply);
    ParseOutcome outcome = parse_whole(wire);
    REQUIRE(outcome.error == ReplyParseError::none);
    REQUIRE(outcome.replies.size() == replies.size());
    for (std::size_t i = 0; i < replies.size(); ++i) {
        INFO("reply " << i << ": got " << outcome.replies[i].summary() << ", want "
                      << replies[i].summary());
        CHECK(same(outcome.replies[i], replies[i]));
    }
    grind(wire);
}

TEST_CASE("ReplyParser accepts valid replies", "[reply]") {
    struct Case {
        const char* label;
        std::string wire;
        int code;
        std::string enhanced;
        std::vector<std::string> lines;
    };
    auto c = GENERATE(values<Case>({
        {"plain", "250 Ok\r\n", 250, "", {"Ok"}},
        {"enhanced", "250 2.0.0 Ok\r\n", 250, "2.0.0", {"Ok"}},
        {"bare code line", "250\r\n", 250, "", {""}},
        {"code and space", "250 \r\n", 250, "", {""}},
        {"enhanced only", "550 5.1.1\r\n", 550, "5.1.1", {""}},
        {"enhanced three-digit subject and detail", "550 5.123.456 x\r\n", 550, "5.123.456", {"x"}},
        {"enhanced class must match the code", "550 2.0.0 x\r\n", 550, "", {"2.0.0 x"}},
        {"not an enhanced code", "250 2.0 x\r\n", 250, "", {"2.0 x"}},
        {"enhanced subject too long", "250 2.1234.0 x\r\n", 250, "", {"2.1234.0 x"}},
        {"multi-line",
         "250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n",
         250,
         "",
         {"mx.test", "PIPELINING", "CHUNKING"}},
        {"multi-line enhanced", "451-4.3.0 a\r\n451 4.3.0 b\r\n", 451, "4.3.0", {"a", "b"}},
        {"multi-line with bare continuation", "250-\r\n250 last\r\n", 250, "", {"", "last"}},
        {"lowest code", "200 x\r\n", 200, "", {"x"}},
        {"highest code", "559 x\r\n", 559, "", {"x"}},
        {"text with CR inside", "250 a\rb\r\n", 250, "", {"a\rb"}},
        {"UTF-8 text", "250 gr\xc3\xbc\xc3\x9f\r\n", 250, "", {"gr\xc3\xbc\xc3\x9f"}},
    }));
    INFO(c.label);
    ParseOutcome outcome = parse_whole(c.wire);
    REQUIRE(outcome.error == ReplyParseError::none);
    REQUIRE(outcome.replies.size() == 1);
    CHECK(outcome.replies[0].code == c.code);
    CHECK(outcome.replies[0].enhanced == c.enhanced);
    CHECK(outcome.replies[0].lines == c.lines);
    CHECK_FALSE(outcome.mid_reply);
    CHECK(outcome.consumed == c.wire.size());
    grind(c.wire);
}

TEST_CASE("ReplyParser keeps the first line's enhanced code when the lines disagree", "[reply]") {
    ParseOutcome outcome = parse_whole("250-2.0.0 a\r\n250 b\r\n");
    REQUIRE(outcome.replies.size() == 1);
    CHECK(outcome.replies[0].enhanced == "2.0.0");
    CHECK(outcome.replies[0].enhanced_mismatch);
    CHECK(outcome.replies[0].lines.size() == 2);
    CHECK(outcome.replies[0].lines[1] == "b");

    outcome = parse_whole("550-5.7.1 first\r\n550 5.1.1 second\r\n");
    REQUIRE(outcome.replies.size() == 1);
    CHECK(outcome.replies[0].enhanced == "5.7.1");
    CHECK(outcome.replies[0].enhanced_mismatch);
    CHECK(outcome.replies[0].lines == std::vector<std::string>{"first", "second"});

    outcome = parse_whole("550-5.7.1 first\r\n550 5.7.1 second\r\n");
    REQUIRE(outcome.replies.size() == 1);
    CHECK_FALSE(outcome.replies[0].enhanced_mismatch);
}

TEST_CASE("ReplyParser reports every error and stops", "[reply]") {
    std::string lines_128;
    for (int i = 0; i < 127; ++i)
        lines_128 += "250-x\r\n";
    std::string lines_129 = lines_128 + "250-x\r\n250 end\r\n";
    lines_128 += "250 end\r\n";
    std::string longest = "250 " + std::string(506, 'a') + "\r\n";  // 512 octets with CRLF
    REQUIRE(longest.size() == relaylab::smtp::limits::reply_line);
    std::string too_long = "250 " + std::string(507, 'a') + "\r\n";
    std::string unterminated_too_long = "250 " + std::string(600, 'a');

    // Limits hold exactly: the largest valid inputs parse.
    CHECK(parse_whole(longest).replies.size() == 1);
    ParseOutcome many = parse_whole(lines_128);
    REQUIRE(many.replies.size() == 1);
    CHECK(many.replies[0].lines.size() == relaylab::smtp::limits::reply_lines);

    struct Case {
        const char* label;
        std::string wire;
        ReplyParseError error;
        std::size_t replies_before;  // complete replies before the error
    };
    auto c = GENERATE_COPY(values<Case>({
        {"line one octet over 512", too_long, ReplyParseError::line_too_long, 0},
        {"unterminated line over 512", unterminated_too_long, ReplyParseError::line_too_long, 0},
        {"129 lines", lines_129, ReplyParseError::too_many_lines, 0},
        {"letters", "abc\r\n", ReplyParseError::bad_code, 0},
        {"first digit 1", "199 x\r\n", ReplyParseError::bad_code, 0},
        {"first digit 6", "600 x\r\n", ReplyParseError::bad_code, 0},
        {"second digit 6", "260 x\r\n", ReplyParseError::bad_code, 0},
        {"third digit letter", "25x x\r\n", ReplyParseError::bad_code, 0},
        {"two digits", "25\r\n", ReplyParseError::bad_code, 0},
        {"empty line", "\r\n", ReplyParseError::bad_code, 0},
        {"letter after code", "250x\r\n", ReplyParseError::bad_separator, 0},
        {"tab after code", "250\tOk\r\n", ReplyParseError::bad_separator, 0},
        {"codes differ", "250-a\r\n251 b\r\n", ReplyParseError::inconsistent_codes, 0},
        {"bare LF", "250 Ok\n", ReplyParseError::bare_line_feed, 0},
        {"bare LF after a good reply", "220 hi\r\n250 Ok\n", ReplyParseError::bare_line_feed, 1},
        {"empty bare LF line", "\n", ReplyParseError::bare_line_feed, 0},
        {"NUL", "250 O\0k\r\n"s, ReplyParseError::nul_byte, 0},
        {"NUL in code",
         "2\0"
         "0 Ok\r\n"s,
         ReplyParseError::nul_byte, 0},
    }));
    INFO(c.label);
    ParseOutcome outcome = parse_whole(c.wire);
    CHECK(outcome.error == c.error);
    CHECK(outcome.replies.size() == c.replies_before);
    CHECK_FALSE(relaylab::smtp::describe(c.error).empty());
    grind(c.wire);

    // Nothing is parsed after an error, not even a valid reply.
    ReplyParser parser;
    parser.feed(c.wire);
    while (parser.next()) {
    }
    CHECK(parser.feed("250 Ok\r\n") == 0);
    CHECK_FALSE(parser.has_reply());
    CHECK(parser.error() == c.error);
}

TEST_CASE("ReplyParser error descriptions are distinct", "[reply]") {
    using E = ReplyParseError;
    std::vector<E> all = {E::none,          E::line_too_long,      E::too_many_lines, E::bad_code,
                          E::bad_separator, E::inconsistent_codes, E::bare_line_feed, E::nul_byte};
    for (std::size_t i = 0; i < all.size(); ++i) {
        for (std::size_t j = i + 1; j < all.size(); ++j) {
            CHECK(relaylab::smtp::describe(all[i]) != relaylab::smtp::describe(all[j]));
        }
    }
}

TEST_CASE("ReplyParser reports an unfinished reply", "[reply]") {
    ReplyParser parser;
    CHECK_FALSE(parser.mid_reply());
    CHECK(parser.feed("25") == 2);
    CHECK(parser.mid_reply());
    CHECK(parser.feed("0-a\r\n") == 5);
    CHECK(parser.mid_reply());  // a continuation line alone is not a reply
    CHECK_FALSE(parser.has_reply());
    CHECK(parser.feed("250 b\r\n") == 7);
    CHECK_FALSE(parser.mid_reply());
    REQUIRE(parser.has_reply());
    auto reply = parser.next();
    REQUIRE(reply);
    CHECK(reply->lines == std::vector<std::string>{"a", "b"});
    CHECK_FALSE(parser.next());
}

TEST_CASE("ReplyParser consumes up to the end of the bad line", "[reply]") {
    ReplyParser parser;
    std::string wire = "250 Ok\r\n199 bad\r\n250 never\r\n";
    std::size_t used = parser.feed(wire);
    CHECK(used == std::string("250 Ok\r\n199 bad\r\n").size());
    CHECK(parser.error() == ReplyParseError::bad_code);
    CHECK(parser.next());
    CHECK_FALSE(parser.next());
}

TEST_CASE("ReplyParser honours a smaller line limit", "[reply]") {
    ReplyParser parser(10);
    CHECK(parser.feed("250 12345\r\n") == 11);  // 11 octets > 10
    CHECK(parser.error() == ReplyParseError::line_too_long);
    ReplyParser ok(11);
    ok.feed("250 12345\r\n");
    CHECK(ok.error() == ReplyParseError::none);
    CHECK(ok.has_reply());
}

TEST_CASE("a long pipelined reply stream survives every split", "[reply]") {
    std::string wire =
        "220 mx.test ESMTP\r\n250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 CHUNKING\r\n"
        "250 2.1.0 Ok\r\n550 5.1.1 <b@x>: unknown\r\n250 2.1.5 Ok\r\n354 go\r\n"
        "250 2.0.0 Ok: queued as 1\r\n221 2.0.0 Bye\r\n";
    ParseOutcome outcome = parse_whole(wire);
    CHECK(outcome.replies.size() == 8);
    grind(wire);
    // And with an error at the end, the replies before it still come out at every split.
    grind(wire + "600 x\r\n");
}

TEST_CASE("split_enhanced_code", "[reply]") {
    using relaylab::smtp::split_enhanced_code;
    auto [code, rest] = split_enhanced_code(250, "2.1.0 Sender ok");
    CHECK(code == "2.1.0");
    CHECK(rest == "Sender ok");
    auto [code2, rest2] = split_enhanced_code(550, "2.1.0 Sender ok");
    CHECK(code2.empty());
    CHECK(rest2 == "2.1.0 Sender ok");
    auto [code3, rest3] = split_enhanced_code(550, "5.1.1");
    CHECK(code3 == "5.1.1");
    CHECK(rest3.empty());
    auto [code4, rest4] = split_enhanced_code(550, "5..1 x");
    CHECK(code4.empty());
    CHECK(rest4 == "5..1 x");
    auto [code5, rest5] = split_enhanced_code(550, "5.1.1x y");
    CHECK(code5.empty());
    CHECK(rest5 == "5.1.1x y");
}
