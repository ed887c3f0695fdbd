// LineFramer: the 512-octet command line limit of RFC 5321 4.5.3.1.4 (CRLF included) holds
// exactly however the bytes arrive; over-long lines are reported once and framing recovers.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness/smtp/limits.hpp"
#include "harness/smtp/line_framer.hpp"

using relaylab::smtp::FramedLine;
using relaylab::smtp::LineFramer;

namespace {

struct Line {
    std::string text;
    bool too_long = false;
    bool bare_lf = false;
    bool operator==(const Line&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Line& line) {
    return os << "{\"" << line.text << "\" too_long=" << line.too_long
              << " bare_lf=" << line.bare_lf << "}";
}

// Frames `input` fed in pieces cut at `cuts`; returns every line and whether a partial remains.
std::vector<Line> frame(std::string_view input, const std::vector<std::size_t>& cuts,
                        std::size_t limit = relaylab::smtp::limits::command_line,
                        bool* partial = nullptr) {
    LineFramer framer(limit);
    std::vector<Line> lines;
    std::size_t start = 0;
    auto feed = [&](std::size_t end) {
        std::string_view piece = input.substr(start, end - start);
        while (!piece.empty()) {
            std::optional<FramedLine> line;
            std::size_t used = framer.next(piece, line);
            REQUIRE(used >= 1);
            REQUIRE(used <= piece.size());
            piece.remove_prefix(used);
            if (line) lines.push_back({std::string(line->text), line->too_long, line->bare_lf});
        }
        start = end;
    };
    for (std::size_t cut : cuts)
        feed(cut);
    feed(input.size());
    if (partial != nullptr) *partial = framer.has_partial();
    return lines;
}

std::vector<Line> frame_whole(std::string_view input,
                              std::size_t limit = relaylab::smtp::limits::command_line) {
    return frame(input, {}, limit);
}

// Same lines whatever the split: one cut at every offset, two cuts, and byte by byte.
void grind(std::string_view input, std::size_t limit = relaylab::smtp::limits::command_line) {
    bool whole_partial = false;
    auto whole = frame(input, {}, limit, &whole_partial);
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        INFO("split at offset " << cut);
        bool partial = false;
        REQUIRE(frame(input, {cut}, limit, &partial) == whole);
        REQUIRE(partial == whole_partial);
        std::size_t second = cut + (input.size() - cut) / 2;
        REQUIRE(frame(input, {cut, second}, limit) == whole);
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i)
        every.push_back(i);
    REQUIRE(frame(input, every, limit) == whole);
}

}  // namespace

TEST_CASE("LineFramer splits CRLF lines", "[line_framer]") {
    std::string input = "EHLO client.test\r\nMAIL FROM:<a@b>\r\n\r\nQUIT\r\n";
    auto lines = frame_whole(input);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == Line{"EHLO client.test"});
    CHECK(lines[1] == Line{"MAIL FROM:<a@b>"});
    CHECK(lines[2] == Line{""});
    CHECK(lines[3] == Line{"QUIT"});
    grind(input);
}

TEST_CASE("LineFramer limit is exact at 512 octets including CRLF", "[line_framer]") {
    const std::size_t limit = relaylab::smtp::limits::command_line;
    std::string fits(limit - 2, 'a');     // 510 + CRLF = 512
    std::string over(limit - 1, 'a');     // 511 + CRLF = 513
    std::string fits_lf(limit - 1, 'a');  // 511 + LF = 512
    std::string over_lf(limit, 'a');      // 512 + LF = 513

    auto lines = frame_whole(fits + "\r\n");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == Line{fits});
    grind(fits + "\r\n");

    lines = frame_whole(over + "\r\n");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].too_long);
    grind(over + "\r\n");

    lines = frame_whole(fits_lf + "\n");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == Line{fits_lf, false, true});
    grind(fits_lf + "\n");

    lines = frame_whole(over_lf + "\n");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].too_long);
    grind(over_lf + "\n");
}

TEST_CASE("LineFramer reports an over-long line once and recovers", "[line_framer]") {
    std::string input =
        std::string(5000, 'x') + "\r\nNOOP\r\n" + std::string(513, 'y') + "\r\nQUIT\r\n";
    auto lines = frame_whole(input);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].too_long);
    CHECK(lines[0].text.empty());
    CHECK(lines[1] == Line{"NOOP"});
    CHECK(lines[2].too_long);
    CHECK(lines[3] == Line{"QUIT"});
    grind(input);
}

TEST_CASE("LineFramer does not buffer an over-long line", "[line_framer]") {
    // Memory stays bounded while a hostile client sends megabytes without a line end.
    LineFramer framer(relaylab::smtp::limits::command_line);
    std::string chunk(4096, 'z');
    std::optional<FramedLine> line;
    for (int i = 0; i < 256; ++i) {
        CHECK(framer.next(chunk, line) == chunk.size());
        CHECK_FALSE(line);
    }
    CHECK(framer.has_partial());
    CHECK(framer.next("\r\nNOOP\r\n", line) == 2);
    REQUIRE(line);
    CHECK(line->too_long);
    CHECK(framer.next("NOOP\r\n", line) == 6);
    REQUIRE(line);
    CHECK(line->text == "NOOP");
    CHECK_FALSE(framer.has_partial());
}

TEST_CASE("LineFramer flags bare LF and keeps bare CR as text", "[line_framer]") {
    std::string input = "NOOP\nRSET\r\nA\rB\r\n\n\r\r\n";
    auto lines = frame_whole(input);
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] == Line{"NOOP", false, true});
    CHECK(lines[1] == Line{"RSET"});
    CHECK(lines[2] == Line{"A\rB"});
    CHECK(lines[3] == Line{"", false, true});
    CHECK(lines[4] == Line{"\r"});
    grind(input);
}

TEST_CASE("LineFramer returns one line per call and leaves the rest", "[line_framer]") {
    LineFramer framer(512);
    std::optional<FramedLine> line;
    std::string_view input = "NOOP\r\nQUIT\r\n";
    CHECK(framer.next(input, line) == 6);
    REQUIRE(line);
    CHECK(line->text == "NOOP");
    CHECK(framer.next(input.substr(6), line) == 6);
    REQUIRE(line);
    CHECK(line->text == "QUIT");
}

TEST_CASE("LineFramer reset drops a partial line", "[line_framer]") {
    LineFramer framer(512);
    std::optional<FramedLine> line;
    framer.next("MAIL FROM:<evil@x", line);
    CHECK(framer.has_partial());
    framer.reset();
    CHECK_FALSE(framer.has_partial());
    framer.next("NOOP\r\n", line);
    REQUIRE(line);
    CHECK(line->text == "NOOP");

    // An overflow in progress is forgotten too.
    framer.next(std::string(600, 'x'), line);
    CHECK(framer.has_partial());
    framer.reset();
    framer.next("NOOP\r\n", line);
    REQUIRE(line);
    CHECK_FALSE(line->too_long);
    CHECK(line->text == "NOOP");
}

TEST_CASE("LineFramer set_limit raises the limit for AUTH lines", "[line_framer]") {
    std::string auth = "AUTH PLAIN " + std::string(2000, 'A') + "\r\n";
    CHECK(frame_whole(auth, 512)[0].too_long);
    auto lines = frame_whole(auth, relaylab::smtp::limits::auth_line);
    CHECK_FALSE(lines[0].too_long);
    CHECK(lines[0].text.size() == auth.size() - 2);
    LineFramer framer(512);
    framer.set_limit(4096);
    CHECK(framer.limit() == 4096);
}

TEST_CASE("LineFramer grinds a mixed stream with a tiny limit", "[line_framer]") {
    // Limit 8: "1234567" is too long with CRLF (9), "123456" fits (8).
    std::string input = "123456\r\n1234567\r\nab\ncd\r\n12345678\n1234567\n\r\n";
    auto lines = frame_whole(input, 8);
    REQUIRE(lines.size() == 7);
    CHECK(lines[0] == Line{"123456"});
    CHECK(lines[1].too_long);
    CHECK(lines[2] == Line{"ab", false, true});
    CHECK(lines[3] == Line{"cd"});
    CHECK(lines[4].too_long);
    CHECK(lines[5] == Line{"1234567", false, true});
    CHECK(lines[6] == Line{""});
    grind(input, 8);
}
