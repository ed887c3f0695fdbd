// HTML messages (traffic.message.html): multipart/alternative with the text padded to size and
// the HTML after it, 7bit when it can be and quoted-printable when not (decoded here by a reader
// written apart from the encoder), nested in multipart/mixed with attachments; exact sizes kept.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "harness/load/message_parts.hpp"
#include "harness/load/scenario_message_factory.hpp"

using namespace relaylab::load;

namespace {

TrafficModel html_model(std::string html) {
    TrafficModel model;
    model.from = {{"news@shop.test", 1, 0}};
    model.to = {{"user{n}@gmail.test", 1, 0}};
    model.run_id = "run9";
    model.seed = 5;
    model.message.subject = "Sale {n}";
    model.message.body = "Plain text for message {n}";
    model.message.html = std::move(html);
    return model;
}

ScenarioMessageFactory factory_for(TrafficModel model) {
    return ScenarioMessageFactory(std::move(model),
                                  [] { return std::string("Wed, 02 Dec 2026 13:25:23 +0000"); });
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;  // lower-case hex is not what RFC 2045 6.7 (1) writes
}

// RFC 2045 6.7 decoding, written apart from the encoder under test.
std::string decode_qp(std::string_view encoded) {
    std::string out;
    for (std::size_t k = 0; k < encoded.size(); ++k) {
        char c = encoded[k];
        if (c != '=') {
            out += c;
            continue;
        }
        if (encoded.substr(k + 1).starts_with("\r\n")) {  // soft break
            k += 2;
            continue;
        }
        REQUIRE(k + 2 < encoded.size());
        int high = hex_value(encoded[k + 1]);
        int low = hex_value(encoded[k + 2]);
        REQUIRE(high >= 0);
        REQUIRE(low >= 0);
        out += static_cast<char>(high * 16 + low);
        k += 2;
    }
    return out;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find("\r\n", start);
        REQUIRE(end != std::string_view::npos);
        lines.push_back(text.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

std::string boundary_of(std::string_view message, std::string_view type) {
    auto at = message.find("Content-Type: " + std::string(type) + "; boundary=\"");
    REQUIRE(at != std::string_view::npos);
    auto start = message.find('"', at) + 1;
    return std::string(message.substr(start, message.find('"', start) - start));
}

// The body of the part after `--boundary` number `index` (0-based), up to the next delimiter.
std::string part_of(std::string_view message, const std::string& boundary, std::size_t index) {
    std::string delimiter = "\r\n--" + boundary;
    std::size_t at = message.find("--" + boundary + "\r\n");
    for (std::size_t k = 0; k < index; ++k)
        at = message.find(delimiter + "\r\n", at + 1) + 2;
    auto start = message.find("\r\n", at) + 2;
    auto end = message.find(delimiter, start);
    REQUIRE(end != std::string_view::npos);
    return std::string(message.substr(start, end - start));
}

std::string body_of(const std::string& part) {
    return part.substr(part.find("\r\n\r\n") + 4);
}

}  // namespace

TEST_CASE("quoted-printable: soft breaks, =XX, trailing white space, round trip", "[load][html]") {
    auto text =
        GENERATE(std::string("<a href=\"https://shop.test/?a=1&b=2\">Sale</a>\r\n"),
                 std::string(300, 'x') + "\r\n", std::string("caf\xc3\xa9 cr\xc3\xa8me\r\n"),
                 std::string("trailing space \r\ntab\t\r\n"), std::string("no final line break"),
                 std::string(""), std::string(200, '=') + "\r\n" + std::string(77, 'y'));
    INFO(text);
    std::string encoded = encode_quoted_printable(text);
    for (auto line : lines_of(encoded)) {
        CHECK(line.size() <= quoted_printable_line_chars);
        for (char c : line)
            CHECK(static_cast<unsigned char>(c) < 0x80);
        // RFC 2045 6.7 (3): no white space before a hard line break.
        if (!line.empty()) CHECK((line.back() != ' ' && line.back() != '\t'));
    }
    CHECK(decode_qp(encoded) == text);
}

TEST_CASE("7bit text: ASCII with CRLF only and short lines", "[load][html]") {
    CHECK(is_7bit_text("<p>hello</p>\r\n"));
    CHECK(is_7bit_text(""));
    CHECK_FALSE(is_7bit_text("caf\xc3\xa9\r\n"));
    CHECK_FALSE(is_7bit_text("bare\nlf"));
    CHECK_FALSE(is_7bit_text("bare\rcr"));
    CHECK_FALSE(is_7bit_text(std::string(999, 'a')));
    CHECK(is_7bit_text(std::string(998, 'a') + "\r\n"));
}

TEST_CASE("an HTML message is multipart/alternative: text first, then the HTML", "[load][html]") {
    auto factory =
        factory_for(html_model("<html><body><p>Offer {n}</p>\n"
                               "<a href=\"https://shop.test/p?id={n}\">Buy</a>"
                               "</body></html>"));
    auto message = *factory.message(42).content;
    auto boundary = boundary_of(message, "multipart/alternative");
    CHECK(message.find("multipart/mixed") == std::string::npos);
    auto text = part_of(message, boundary, 0);
    auto html = part_of(message, boundary, 1);
    CHECK_THAT(text, Catch::StartsWith("Content-Type: text/plain; charset=us-ascii\r\n\r\n"));
    CHECK_THAT(body_of(text), Catch::StartsWith("Plain text for message 42\r\n"));
    CHECK_THAT(html, Catch::Contains("Content-Type: text/html; charset=us-ascii\r\n"));
    CHECK_THAT(html, Catch::Contains("Content-Transfer-Encoding: 7bit\r\n"));
    // {n} replaced, the LF made CRLF.
    CHECK(body_of(html) ==
          "<html><body><p>Offer 42</p>\r\n<a href=\"https://shop.test/p?id=42\">Buy</a>"
          "</body></html>");
    CHECK(message.ends_with("--" + boundary + "--\r\n"));
}

TEST_CASE("8-bit or long-lined HTML goes quoted-printable and decodes to the template",
          "[load][html]") {
    std::string long_line(1500, 'w');
    auto factory = factory_for(html_model("<p>Caf\xc3\xa9 {n}</p>\n<p>" + long_line + "</p>"));
    auto message = *factory.message(3).content;
    auto html = part_of(message, boundary_of(message, "multipart/alternative"), 1);
    CHECK_THAT(html, Catch::Contains("charset=utf-8\r\n"));
    CHECK_THAT(html, Catch::Contains("Content-Transfer-Encoding: quoted-printable\r\n"));
    // The part's body ends before the delimiter's CRLF: add it back for the decoder.
    CHECK(decode_qp(body_of(html) + "\r\n") ==
          "<p>Caf\xc3\xa9 3</p>\r\n<p>" + long_line + "</p>\r\n");
    for (auto line : lines_of(message))
        CHECK(line.size() <= 998);
}

TEST_CASE("with attachments, the alternative sits inside multipart/mixed", "[load][html]") {
    auto model = html_model("<p>Invoice {n}</p>");
    model.message.attachments = {{"invoice.pdf", "application/pdf", 900}};
    auto factory = factory_for(model);
    auto message = *factory.message(8).content;
    auto mixed = boundary_of(message, "multipart/mixed");
    auto alternative = boundary_of(message, "multipart/alternative");
    // Neither delimiter is a prefix of the other (parsers that match prefixes would split
    // the message in the wrong place).
    CHECK_FALSE(alternative.starts_with(mixed));
    CHECK_FALSE(mixed.starts_with(alternative));
    auto first = part_of(message, mixed, 0);
    CHECK_THAT(first, Catch::StartsWith("Content-Type: multipart/alternative; boundary="));
    CHECK_THAT(first, Catch::Contains("--" + alternative + "--"));
    auto attachment = part_of(message, mixed, 1);
    CHECK_THAT(attachment,
               Catch::StartsWith("Content-Type: application/pdf; name=\"invoice.pdf\""));
    CHECK(message.ends_with("--" + mixed + "--\r\n"));
    CHECK_THAT(part_of(message, alternative, 1), Catch::Contains("<p>Invoice 8</p>"));
}

TEST_CASE("HTML messages keep the exact size; the text part takes the padding", "[load][html]") {
    auto model = html_model("<p>Hi {n}</p>");
    model.message.size.distribution = SizeDistribution::fixed;
    auto target = GENERATE(std::size_t{4096}, std::size_t{20000}, std::size_t{100000});
    model.message.size.bytes = target;
    auto factory = factory_for(model);
    for (std::uint64_t n : {1u, 99u, 12345u}) {
        auto message = *factory.message(n).content;
        CHECK(message.size() == target);
        CHECK_THAT(message, Catch::Contains("<p>Hi " + std::to_string(n) + "</p>"));
    }
}

TEST_CASE("an HTML template holding the boundary gets another one", "[load][html]") {
    auto first = *factory_for(html_model("<p>x</p>")).message(1).content;
    auto drawn = boundary_of(first, "multipart/alternative");
    // The same seed and n draw the same boundary: a template that contains its delimiter.
    std::string hostile = "<p>\n--" + drawn + "\n</p>";
    auto message = *factory_for(html_model(hostile)).message(1).content;
    auto boundary = boundary_of(message, "multipart/alternative");
    CHECK(boundary != drawn);
    CHECK(hostile.find("--" + boundary) == std::string::npos);
    CHECK(body_of(part_of(message, boundary, 1)) == "<p>\r\n--" + drawn + "\r\n</p>");
}

TEST_CASE("header_from: the From field names another domain than the envelope", "[load][html]") {
    auto model = html_model("<p>x</p>");
    model.from = {{"bounces@esp-mail.test", 1, 0}};
    model.message.header_from = "news{n}@shop.test";
    auto factory = factory_for(model);
    auto generated = factory.message(7);
    CHECK(generated.mail_from == "bounces@esp-mail.test");
    CHECK_THAT(*generated.content, Catch::Contains("\r\nFrom: <news7@shop.test>\r\n") ||
                                       Catch::StartsWith("From: <news7@shop.test>\r\n"));
    CHECK(generated.content->find("esp-mail.test") == std::string::npos);
}
