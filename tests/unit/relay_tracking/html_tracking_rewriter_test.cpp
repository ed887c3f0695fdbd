// What the tracking rewriter does to well-formed mail, one behaviour per case: the edits, and
// that everything else (fields, boundaries, text parts, attachments, 8-bit text) is unchanged.
#include <catch2/catch.hpp>

#include "harness/relay/engagement/html_markup_rewriter.hpp"
#include "harness/relay/engagement/html_tracking_rewriter.hpp"
#include "rewrite_fixture.hpp"

using namespace relaylab::relay;
using namespace relaylab::relay::testing;

namespace {

const std::string pixel = tracking_pixel_tag(pixel_url);

std::string html_message(std::string_view html, std::string_view extra_fields = "") {
    return "From: shop@shop.test\r\nTo: ann@rcpt.test\r\nSubject: Sale\r\n" +
           std::string(extra_fields) +
           "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
           std::string(html);
}

}  // namespace

TEST_CASE("single-part 7bit HTML: links rewritten, pixel before </body>, nothing else",
          "[tracking][rewriter]") {
    RecordingUrls made;
    std::string in = html_message(
        "<html><body>\r\n<p>Hi <a href=\"https://shop.test/sale\">sale</a></p>\r\n"
        "</body></html>\r\n");
    auto out = rewrite_for_tracking(in, made.urls());
    REQUIRE(out.changed());
    CHECK(out.links_rewritten == 1);
    CHECK(out.pixels == 1);
    CHECK(out.html_parts == 1);
    CHECK(made.originals == std::vector<std::string>{"https://shop.test/sale"});
    CHECK(out.message ==
          html_message("<html><body>\r\n<p>Hi <a "
                       "href=\"http://t.test/c/T1?u=https%3A%2F%2Fshop.test%2Fsale\">sale</a></p>"
                       "\r\n" +
                       pixel + "</body></html>\r\n"));
}

TEST_CASE("opens only or clicks only", "[tracking][rewriter]") {
    std::string in = html_message("<body><a href=\"http://a.test/\">a</a></body>");
    SECTION("opens only: links stay") {
        RecordingUrls made;
        auto out = rewrite_for_tracking(in, made.urls(true, false));
        REQUIRE(out.changed());
        CHECK(out.links_rewritten == 0);
        CHECK(out.message ==
              html_message("<body><a href=\"http://a.test/\">a</a>" + pixel + "</body>"));
    }
    SECTION("clicks only: no pixel") {
        RecordingUrls made;
        auto out = rewrite_for_tracking(in, made.urls(false, true));
        REQUIRE(out.changed());
        CHECK(out.pixels == 0);
        CHECK(out.message.find("<img") == std::string::npos);
        CHECK(out.message.find("http://t.test/c/T1?u=http%3A%2F%2Fa.test%2F") != std::string::npos);
    }
    SECTION("clicks only and no link: unchanged, nothing to do") {
        RecordingUrls made;
        auto out =
            rewrite_for_tracking(html_message("<body>no links</body>"), made.urls(false, true));
        CHECK(out.skip == TrackingSkip::nothing_to_do);
        CHECK(out.message.empty());
    }
}

TEST_CASE("the forms of an href: quotes, case, unquoted, entities, blanks around", "[tracking]") {
    struct Case {
        const char* label;
        const char* tag;
        const char* want_tag;
        const char* want_original;
    };
    auto c = GENERATE(values<Case>({
        {"double quotes", "<a href=\"http://a.test/x\">",
         "<a href=\"http://t.test/c/T1?u=http%3A%2F%2Fa.test%2Fx\">", "http://a.test/x"},
        {"single quotes", "<a class='b' href='http://a.test/x'>",
         "<a class='b' href='http://t.test/c/T1?u=http%3A%2F%2Fa.test%2Fx'>", "http://a.test/x"},
        {"unquoted gets quotes", "<a href=http://a.test/x>",
         "<a href=\"http://t.test/c/T1?u=http%3A%2F%2Fa.test%2Fx\">", "http://a.test/x"},
        {"upper case tag, attribute and scheme", "<A HREF=\"HTTPS://A.test/X\">",
         "<A HREF=\"http://t.test/c/T1?u=HTTPS%3A%2F%2FA.test%2FX\">", "HTTPS://A.test/X"},
        {"&amp; decoded before encoding into u=", "<a href=\"https://a.test/?p=1&amp;q=2\">",
         "<a href=\"http://t.test/c/T1?u=https%3A%2F%2Fa.test%2F%3Fp%3D1%26q%3D2\">",
         "https://a.test/?p=1&q=2"},
        {"numeric references", "<a href=\"https&#58;//a.test/&#x7E;me\">",
         "<a href=\"http://t.test/c/T1?u=https%3A%2F%2Fa.test%2F~me\">", "https://a.test/~me"},
        {"blanks around the URL", "<a href=\" https://a.test/ \">",
         "<a href=\"http://t.test/c/T1?u=https%3A%2F%2Fa.test%2F\">", "https://a.test/"},
        {"spaces around =", "<a href = \"http://a.test/\" >",
         "<a href = \"http://t.test/c/T1?u=http%3A%2F%2Fa.test%2F\" >", "http://a.test/"},
        {"first href wins", "<a href=\"http://a.test/1\" href=\"http://a.test/2\">",
         "<a href=\"http://t.test/c/T1?u=http%3A%2F%2Fa.test%2F1\" href=\"http://a.test/2\">",
         "http://a.test/1"},
        {"multi-line tag", "<a\r\n  target=\"_blank\"\r\n  href=\"http://a.test/\">",
         "<a\r\n  target=\"_blank\"\r\n  href=\"http://t.test/c/T1?u=http%3A%2F%2Fa.test%2F\">",
         "http://a.test/"},
    }));
    INFO(c.label);
    RecordingUrls made;
    auto out = rewrite_for_tracking(html_message(std::string(c.tag) + "x</a>"), made.urls(false));
    REQUIRE(out.changed());
    CHECK(out.message == html_message(std::string(c.want_tag) + "x</a>"));
    REQUIRE(made.originals.size() == 1);
    CHECK(made.originals[0] == c.want_original);
}

TEST_CASE("links left alone", "[tracking]") {
    struct Case {
        const char* label;
        const char* html;
        std::size_t left;  // counted as http(s) links left (not mailto and the like)
    };
    auto c = GENERATE(values<Case>({
        {"mailto", "<a href=\"mailto:help@shop.test\">m</a>", 0},
        {"anchor", "<a href=\"#top\">t</a>", 0},
        {"relative", "<a href=\"/local\">r</a>", 0},
        {"tel", "<a href='tel:+100'>t</a>", 0},
        {"no href", "<a name=\"x\">n</a>", 0},
        {"href without value", "<a href>n</a>", 0},
        {"javascript", "<a href=\"javascript:alert(1)\">j</a>", 0},
        {"blank inside the URL", "<a href=\"http://a.test/a b\">b</a>", 1},
        {"newline reference inside the URL", "<a href=\"http://a.test/&#10;x\">b</a>", 1},
        {"List-Unsubscribe URL", "<a href=\"https://u.test/u/TOKEN\">unsubscribe</a>", 1},
        {"inside a comment", "<!-- <a href=\"http://a.test/\">c</a> -->", 0},
        {"inside a script", "<script>var s='<a href=\"http://a.test/\">';</script>", 0},
        {"area, not a", "<area href=\"http://a.test/\">", 0},
        {"abbr is not a", "<abbr href=\"http://a.test/\">x</abbr>", 0},
    }));
    INFO(c.label);
    RecordingUrls made;
    std::string in = html_message(
        c.html, "List-Unsubscribe: <mailto:u@u.test>,\r\n <https://u.test/u/TOKEN>\r\n");
    auto out = rewrite_for_tracking(in, made.urls(false, true));
    CHECK(out.skip == TrackingSkip::nothing_to_do);
    CHECK(out.links_left == c.left);
    CHECK(made.originals.empty());
}

TEST_CASE("no </body>: the pixel goes at the end, before a final newline", "[tracking]") {
    RecordingUrls made;
    SECTION("with a final newline") {
        auto out = rewrite_for_tracking(html_message("<p>Hi</p>\r\n"), made.urls());
        REQUIRE(out.changed());
        CHECK(out.message == html_message("<p>Hi</p>" + pixel + "\r\n"));
    }
    SECTION("without") {
        auto out = rewrite_for_tracking(html_message("<p>Hi</p>"), made.urls());
        REQUIRE(out.changed());
        CHECK(out.message == html_message("<p>Hi</p>" + pixel));
    }
    SECTION("</BODY> in capitals, the last one counts") {
        auto out = rewrite_for_tracking(html_message("<p>&lt;/body&gt;</p></BODY>"), made.urls());
        REQUIRE(out.changed());
        CHECK(out.message == html_message("<p>&lt;/body&gt;</p>" + pixel + "</BODY>"));
    }
}

TEST_CASE("quoted-printable: soft breaks and =3D undone, re-encoded in 76-column lines",
          "[tracking][qp]") {
    // An encoder broke the href across a soft line break, inside the URL.
    std::string body =
        "<html><body><p>Caf=C3=A9 <a href=3D\"https://shop.test/sale?item=3D42&amp;ref=\r\n"
        "=3Dmail\">buy</a></p></body></html>\r\n";
    std::string in =
        "From: a@shop.test\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
        body;
    RecordingUrls made;
    auto out = rewrite_for_tracking(in, made.urls());
    REQUIRE(out.changed());
    REQUIRE(made.originals == std::vector<std::string>{"https://shop.test/sale?item=42&ref=mail"});
    std::string header = in.substr(0, in.find("\r\n\r\n") + 4);
    REQUIRE(out.message.starts_with(header));
    std::string encoded = out.message.substr(header.size());
    CHECK(longest_line(encoded) <= 76);
    CHECK(encoded.ends_with("\r\n"));
    std::string html = reader_qp(encoded);
    CHECK(html ==
          "<html><body><p>Caf\xC3\xA9 <a "
          "href=\"http://t.test/c/T1?u=https%3A%2F%2Fshop.test%2Fsale%3Fitem%3D42%26ref%3Dmail\">"
          "buy</a></p>" +
              pixel + "</body></html>\r\n");
    // Every '=' of the encoding is an escape or a soft break.
    for (auto line : lines_of(encoded)) {
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] != '=') continue;
            bool soft = i + 1 == line.size();
            bool escape =
                i + 2 < line.size() + 1 && std::isxdigit(line[i + 1]) && std::isxdigit(line[i + 2]);
            CHECK((soft || escape));
        }
    }
}

TEST_CASE("base64: decoded, rewritten, encoded in 76-character lines", "[tracking][base64]") {
    std::string html = "<html><body><a href=\"https://a.test/\">\xE2\x9C\x93</a></body></html>";
    // Encoded here with 60-character lines: the output need not keep the input's line length.
    std::string in =
        "From: a@shop.test\r\nContent-Type: text/html\r\n"
        "Content-Transfer-Encoding: BASE64\r\n\r\n"
        "PGh0bWw+PGJvZHk+PGEgaHJlZj0iaHR0cHM6Ly9hLnRlc3QvIj7inJM8L2E+\r\n"
        "PC9ib2R5PjwvaHRtbD4=\r\n";
    REQUIRE(reader_base64(in.substr(in.find("\r\n\r\n") + 4)) == html);
    RecordingUrls made;
    auto out = rewrite_for_tracking(in, made.urls());
    REQUIRE(out.changed());
    std::string encoded = out.message.substr(in.find("\r\n\r\n") + 4);
    auto lines = lines_of(encoded);
    REQUIRE(lines.size() > 2);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i)
        CHECK(lines[i].size() == 76);
    CHECK(lines.back().size() <= 76);
    CHECK(encoded.ends_with("\r\n"));
    CHECK(reader_base64(encoded) ==
          "<html><body><a href=\"http://t.test/c/T1?u=https%3A%2F%2Fa.test%2F\">\xE2\x9C\x93</a>" +
              pixel + "</body></html>");
}

TEST_CASE("multipart/alternative inside multipart/mixed: only the HTML part changes",
          "[tracking][mime]") {
    const std::string text_part =
        "Content-Type: text/plain; charset=utf-8\r\n\r\nSale: https://shop.test/sale\r\n";
    const std::string attachment =
        "Content-Type: application/pdf; name=\"a.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"a.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n";
    const std::string attached_html =
        "Content-Type: text/html\r\nContent-Disposition: attachment; filename=\"page.html\"\r\n"
        "\r\n<a href=\"https://shop.test/file\">f</a>";
    auto message = [&](const std::string& html_part) {
        return "From: a@shop.test\r\nMIME-Version: 1.0\r\n"
               "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
               "This is a MIME message.\r\n"
               "--outer\r\n"
               "Content-Type: multipart/alternative;\r\n boundary=inner\r\n\r\n"
               "--inner\r\n" +
               text_part + "\r\n--inner\r\n" + html_part +
               "\r\n--inner--\r\n"
               "\r\n--outer\r\n" +
               attachment + "\r\n--outer\r\n" + attached_html + "\r\n--outer--  \r\nepilogue\r\n";
    };
    std::string in = message(
        "Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "<body>\xC3\xA9t\xC3\xA9 <a href=\"https://shop.test/sale\">sale</a></body>");
    RecordingUrls made;
    auto out = rewrite_for_tracking(in, made.urls());
    REQUIRE(out.changed());
    CHECK(out.html_parts == 1);
    CHECK(made.originals == std::vector<std::string>{"https://shop.test/sale"});
    CHECK(out.message ==
          message("Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: "
                  "8bit\r\n\r\n<body>\xC3\xA9t\xC3\xA9 <a "
                  "href=\"http://t.test/c/T1?u=https%3A%2F%2Fshop.test%2Fsale\">sale</a>" +
                  pixel + "</body>"));
}

TEST_CASE("no HTML to rewrite: unchanged with the reason", "[tracking]") {
    RecordingUrls made;
    struct Case {
        const char* label;
        std::string message;
        TrackingSkip want;
    };
    auto c = GENERATE(values<Case>({
        {"plain text", "From: a@b.test\r\n\r\nhttps://shop.test/\r\n", TrackingSkip::no_html},
        {"no Content-Type at all", "Subject: x\r\n\r\n<a href=\"http://a.test/\">",
         TrackingSkip::no_html},
        {"HTML only as an attachment",
         "Content-Type: text/html\r\nContent-Disposition: attachment\r\n\r\n<body></body>",
         TrackingSkip::no_html},
        {"an attached message is not ours",
         "Content-Type: message/rfc822\r\n\r\nContent-Type: text/html\r\n\r\n<body></body>",
         TrackingSkip::no_html},
        {"unknown transfer encoding",
         "Content-Type: text/html\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n<body>",
         TrackingSkip::unsupported_encoding},
        {"UTF-16 HTML", "Content-Type: text/html; charset=UTF-16\r\n\r\n<\0b\0",
         TrackingSkip::unsupported_encoding},
        {"bad base64",
         "Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n!!notbase64!!\r\n",
         TrackingSkip::bad_base64},
        {"header only, no empty line", "Subject: x\r\nContent-Type: text/html\r\n",
         TrackingSkip::no_header_end},
    }));
    INFO(c.label);
    auto out = rewrite_for_tracking(c.message, made.urls());
    CHECK(out.skip == c.want);
    CHECK(out.message.empty());
    CHECK(std::string(to_string(out.skip)) != "rewritten");
}

TEST_CASE("LF-only messages stay LF-only", "[tracking]") {
    RecordingUrls made;
    std::string in =
        "Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n"
        "<body><a href=3D\"http://a.test/\">a</a></body>\n";
    auto out = rewrite_for_tracking(in, made.urls());
    REQUIRE(out.changed());
    CHECK(out.message.find('\r') == std::string::npos);
    CHECK(reader_qp(out.message.substr(out.message.find("\n\n") + 2)).find(pixel) !=
          std::string::npos);
}
