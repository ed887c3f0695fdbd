// List-Unsubscribe stamping (harness/relay/engagement/list_unsubscribe_stamp.hpp): the two
// fields on top of single-recipient messages, folded without whitespace inside the brackets,
// and messages that have their own or go to several recipients left byte for byte as they were.
#include <catch2/catch.hpp>
#include <string>

#include "harness/relay/engagement/list_unsubscribe_stamp.hpp"

using namespace relaylab::relay;

namespace {

const std::string message =
    "From: shop@shop.test\r\nTo: alice@example.test\r\n"
    "Subject: Offers\r\n\r\nBody\r\n";

// Every line of the header section that the stamp added, without CRLF.
std::vector<std::string> lines_of(std::string_view fields) {
    std::vector<std::string> lines;
    std::size_t position = 0;
    while (position < fields.size()) {
        auto end = fields.find("\r\n", position);
        lines.emplace_back(fields.substr(position, end - position));
        position = end + 2;
    }
    return lines;
}

}  // namespace

TEST_CASE("a short URL goes on the field's own line", "[engagement][stamp]") {
    std::string text = message;
    const std::string url = "https://127.0.0.1:4000/u/abc.def";
    REQUIRE(stamp_list_unsubscribe(text, 1, url) == StampOutcome::stamped);
    CHECK(text == "List-Unsubscribe: <" + url +
                      ">\r\n"
                      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
                      message);
}

TEST_CASE("a long URL is folded before the bracket, never inside it", "[engagement][stamp]") {
    const std::string url =
        "https://127.0.0.1:40123/u/" + std::string(60, 'T') + "." + std::string(22, 'M');
    std::string fields = list_unsubscribe_fields(url);
    auto lines = lines_of(fields);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "List-Unsubscribe:");
    CHECK(lines[1] == " <" + url + ">");  // RFC 2369 2: no whitespace within the brackets
    CHECK(lines[2] == "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    CHECK(lines[0].size() <= recommended_line_octets);
    CHECK(lines[2].size() <= recommended_line_octets);
}

TEST_CASE("the fold point is exactly at 78 octets", "[engagement][stamp]") {
    // "List-Unsubscribe: <" is 19 octets and ">" one: a 58-octet URL makes a 78-octet line.
    const std::string fits = "https://x.test/u/" + std::string(58 - 17, 'a');
    REQUIRE(fits.size() == 58);
    CHECK(lines_of(list_unsubscribe_fields(fits))[0].size() == 78);
    const std::string over = fits + "a";
    CHECK(lines_of(list_unsubscribe_fields(over))[0] == "List-Unsubscribe:");
}

TEST_CASE("a message with its own List-Unsubscribe is left alone", "[engagement][stamp]") {
    auto field = GENERATE(as<std::string>{}, "List-Unsubscribe: <mailto:leave@shop.test>\r\n",
                          "list-unsubscribe:<https://shop.test/u/1>\r\n",
                          "LIST-UNSUBSCRIBE : <https://shop.test/u/1>\r\n",
                          "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    // As the first field, in the middle and as the last one.
    auto at = GENERATE(0, 1, 3);
    std::string original = message;
    std::size_t position = 0;
    for (int i = 0; i < at; ++i)
        position = original.find("\r\n", position) + 2;
    original.insert(position, field);
    std::string text = original;
    INFO("field " << field << " at line " << at);
    CHECK(stamp_list_unsubscribe(text, 1, "https://r.test/u/x") ==
          StampOutcome::has_list_unsubscribe);
    CHECK(text == original);
}

TEST_CASE("a List-Unsubscribe in the body or a folded value does not count",
          "[engagement][stamp]") {
    std::string body_mention = message + "List-Unsubscribe: <https://elsewhere.test>\r\n";
    CHECK(stamp_list_unsubscribe(body_mention, 1, "https://r.test/u/x") == StampOutcome::stamped);
    std::string folded = "Subject: hello\r\n List-Unsubscribe: not a field\r\n\r\nx\r\n";
    CHECK(stamp_list_unsubscribe(folded, 1, "https://r.test/u/x") == StampOutcome::stamped);
}

TEST_CASE("a message to several recipients is left alone", "[engagement][stamp]") {
    std::string text = message;
    CHECK(stamp_list_unsubscribe(text, 2, "https://r.test/u/x") ==
          StampOutcome::several_recipients);
    CHECK(stamp_list_unsubscribe(text, 0, "https://r.test/u/x") ==
          StampOutcome::several_recipients);
    CHECK(text == message);
}

TEST_CASE("what has no header section is left alone", "[engagement][stamp]") {
    auto original = GENERATE(as<std::string>{}, "", "\r\nbody only\r\n", "no line end at all");
    std::string text = original;
    CHECK(stamp_list_unsubscribe(text, 1, "https://r.test/u/x") == StampOutcome::no_header_section);
    CHECK(text == original);
}

TEST_CASE("a URL too long for any header line is not added", "[engagement][stamp]") {
    std::string text = message;
    CHECK(stamp_list_unsubscribe(text, 1, "https://r.test/u/" + std::string(1000, 'a')) ==
          StampOutcome::url_too_long);
    CHECK(text == message);
}
