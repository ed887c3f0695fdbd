// Hostile and broken messages: each gets a clear outcome (rewritten within the rules, or
// unchanged with a reason), never a crash, a hang or a line longer than mail allows.
#include <catch2/catch.hpp>

#include "harness/relay/engagement/html_markup_rewriter.hpp"
#include "harness/relay/engagement/html_tracking_rewriter.hpp"
#include "rewrite_fixture.hpp"

using namespace relaylab::relay;
using namespace relaylab::relay::testing;

TEST_CASE("1000-deep multipart nesting is refused at the depth limit", "[tracking][hostile]") {
    std::string in = "From: a@b.test\r\n";
    for (int i = 0; i < 1000; ++i) {
        in += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
              std::to_string(i) + "\r\n";
    }
    in += "Content-Type: text/html\r\n\r\n<a href=\"http://a.test/\">x</a>\r\n";
    RecordingUrls made;
    auto out = rewrite_for_tracking(in, made.urls());
    CHECK(out.skip == TrackingSkip::too_deep);
    CHECK(made.originals.empty());

    SECTION("within the limit the same shape is rewritten") {
        std::string shallow = "From: a@b.test\r\n";
        for (int i = 0; i < 5; ++i) {
            shallow += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) +
                       "\r\n\r\n--b" + std::to_string(i) + "\r\n";
        }
        shallow += "Content-Type: text/html\r\n\r\n<a href=\"http://a.test/\">x</a>\r\n";
        auto ok = rewrite_for_tracking(shallow, made.urls());
        CHECK(ok.changed());
        CHECK(ok.links_rewritten == 1);
    }
}

TEST_CASE("too many parts", "[tracking][hostile]") {
    std::string in = "Content-Type: multipart/mixed; boundary=x\r\n\r\n";
    for (int i = 0; i < 300; ++i)
        in += "--x\r\nContent-Type: text/html\r\n\r\n<b>" + std::to_string(i) + "</b>\r\n";
    in += "--x--\r\n";
    RecordingUrls made;
    TrackingRewriteLimits limits;
    limits.max_parts = 100;
    auto out = rewrite_for_tracking(in, made.urls(), limits);
    CHECK(out.skip == TrackingSkip::too_many_parts);
    limits.max_parts = 300;
    CHECK(rewrite_for_tracking(in, made.urls(), limits).html_parts == 300);
}

TEST_CASE("multipart without a close delimiter: parts read to the end", "[tracking][hostile]") {
    std::string in =
        "Content-Type: multipart/alternative; boundary=\"q\"\r\n\r\n"
        "--q\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
        "--q\r\nContent-Type: text/html\r\n\r\n<body><a href=\"http://a.test/\">a</a>"
        "</body>\r\n";
    RecordingUrls made;
    auto out = rewrite_for_tracking(in, made.urls());
    REQUIRE(out.changed());
    CHECK(out.links_rewritten == 1);
    // Everything up to the HTML part's body is unchanged.
    std::string head = in.substr(0, in.find("<body>"));
    CHECK(out.message.starts_with(head));
    CHECK(out.message.ends_with("</body>\r\n"));
}

TEST_CASE("broken multiparts are left as they are", "[tracking][hostile]") {
    RecordingUrls made;
    struct Case {
        const char* label;
        std::string message;
    };
    auto c = GENERATE(values<Case>({
        {"no boundary parameter", "Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\n<a>\r\n"},
        {"boundary never used",
         "Content-Type: multipart/mixed; boundary=x\r\n\r\n--y\r\nContent-Type: text/html\r\n"
         "\r\n<a href=\"http://a.test/\">a</a>\r\n"},
        {"boundary over 70 characters",
         "Content-Type: multipart/mixed; boundary=" + std::string(71, 'b') + "\r\n\r\n--" +
             std::string(71, 'b') + "\r\nContent-Type: text/html\r\n\r\n<body>\r\n"},
        {"delimiter with trailing junk is not a delimiter",
         "Content-Type: multipart/mixed; boundary=x\r\n\r\n--xjunk\r\nContent-Type: text/html"
         "\r\n\r\n<body>\r\n"},
    }));
    INFO(c.label);
    auto out = rewrite_for_tracking(c.message, made.urls());
    CHECK(out.skip == TrackingSkip::bad_mime);
}

TEST_CASE("7bit lines stay within 998 octets", "[tracking][hostile]") {
    RecordingUrls made;
    SECTION("a long line with links is broken inside the tag") {
        std::string line = std::string(900, 'x') + "<a href=\"http://a.test/1\">1</a>" +
                           "<a href=\"http://a.test/2\">2</a>" + std::string(30, 'y');
        REQUIRE(line.size() < 998);
        std::string in = "Content-Type: text/html\r\n\r\n<body>" + line + "\r\n</body>\r\n";
        auto out = rewrite_for_tracking(in, made.urls());
        REQUIRE(out.changed());
        CHECK(out.links_rewritten == 2);
        CHECK(longest_line(out.message) <= max_mail_line);
        CHECK(count(out.message, "href=\r\n\"http://t.test/c/") >= 1);
    }
    SECTION("a long last line gets the pixel on a line of its own") {
        std::string in =
            "Content-Type: text/html\r\n\r\n<body>" + std::string(980, 'z') + "</body>\r\n";
        auto out = rewrite_for_tracking(in, made.urls());
        REQUIRE(out.changed());
        CHECK(longest_line(out.message) <= max_mail_line);
        CHECK(out.message.find("\r\n" + tracking_pixel_tag(pixel_url) + "\r\n</body>") !=
              std::string::npos);
    }
    SECTION("a URL that cannot fit a line is left") {
        TrackingRewriteLimits limits;
        limits.max_url_bytes = 4000;
        // Each '/' becomes "%2F" in u=: 400 octets here, over 1200 in the click URL.
        std::string url = "http://a.test/" + std::string(400, '/');
        std::string in = "Content-Type: text/html\r\n\r\n<a href=\"" + url + "\">l</a>\r\n";
        auto out = rewrite_for_tracking(in, made.urls(false, true), limits);
        CHECK(out.skip == TrackingSkip::nothing_to_do);
        CHECK(out.links_left == 1);
    }
    SECTION("quoted-printable has no such problem: long lines are soft-broken") {
        std::string in =
            "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable"
            "\r\n\r\n<a href=3D\"http://a.test/" +
            std::string(600, 'p') + "\">l</a>\r\n";
        auto out = rewrite_for_tracking(in, made.urls(false, true));
        REQUIRE(out.changed());
        CHECK(longest_line(out.message) <= 76);
    }
}

TEST_CASE("limits: message size, URL length, number of links", "[tracking][hostile]") {
    RecordingUrls made;
    TrackingRewriteLimits limits;
    limits.max_message_bytes = 1000;
    limits.max_links = 3;
    limits.max_url_bytes = 50;
    std::string big = "Content-Type: text/html\r\n\r\n" + std::string(1000, 'x');
    CHECK(rewrite_for_tracking(big, made.urls(), limits).skip == TrackingSkip::too_large);

    std::string links = "Content-Type: text/html\r\n\r\n";
    for (int i = 0; i < 5; ++i)
        links +=
            "<a href=\"http://a.test/" + std::to_string(i) + "\">" + std::to_string(i) + "</a>\r\n";
    links += "<a href=\"http://a.test/" + std::string(60, 'l') + "\">long</a>\r\n";
    auto out = rewrite_for_tracking(links, made.urls(false, true), limits);
    REQUIRE(out.changed());
    CHECK(out.links_rewritten == 3);
    CHECK(out.links_left == 3);
    CHECK(count(out.message, "http://t.test/c/") == 3);
    CHECK(out.message.find("http://a.test/3") != std::string::npos);
}

TEST_CASE("unterminated markup is copied, not lost", "[tracking][hostile]") {
    RecordingUrls made;
    struct Case {
        const char* label;
        const char* html;
    };
    auto c = GENERATE(values<Case>({
        {"open comment", "<body><!-- <a href=\"http://a.test/\">"},
        {"open quote", "<body><a href=\"http://a.test/"},
        {"tag without >", "<body><a href=http://a.test/"},
        {"lone <", "<body>a < b <"},
        {"open script", "<body><script><a href=\"http://a.test/\">"},
        {"NUL and 8-bit octets", "<body>\x01\xff\xfe<a href=\"http://a.test/\xff\">x</a>"},
    }));
    INFO(c.label);
    std::string html = c.html;
    std::string in = "Content-Type: text/html\r\n\r\n" + html;
    auto out = rewrite_for_tracking(in, made.urls());
    REQUIRE(out.changed());  // the pixel at least
    // The input is all there, in order, with at most the edits between.
    CHECK(out.message.starts_with(
        in.substr(0, in.find("<a") == std::string::npos ? in.size() : in.find("<a"))));
    CHECK(out.message.find(tracking_pixel_tag(pixel_url)) != std::string::npos);
}

TEST_CASE("huge header section", "[tracking][hostile]") {
    RecordingUrls made;
    std::string in = "Subject: " + std::string(300 * 1024, 's') +
                     "\r\nContent-Type: text/html\r\n\r\n<body></body>";
    CHECK(rewrite_for_tracking(in, made.urls()).skip == TrackingSkip::no_header_end);
}

TEST_CASE("every prefix of a message is handled", "[tracking][hostile]") {
    // Cut anywhere (a truncated submission, a fuzzer's favourite): an outcome, never a crash.
    std::string full =
        "Content-Type: multipart/alternative; boundary=\"z\"\r\n\r\n--z\r\n"
        "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<body><a href=3D\"http://a.test/?a=3D1&amp;b\">x</a>=\r\n</body>\r\n--z\r\n"
        "Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "PGEgaHJlZj0iaHR0cDovL2IudGVzdC8iPmI8L2E+\r\n--z--\r\n";
    RecordingUrls made;
    std::size_t rewritten = 0;
    for (std::size_t cut = 0; cut <= full.size(); ++cut) {
        auto out = rewrite_for_tracking(std::string_view(full).substr(0, cut), made.urls());
        if (out.changed()) {
            ++rewritten;
            CHECK(!out.message.empty());
        }
    }
    CHECK(rewritten > 0);
    auto whole = rewrite_for_tracking(full, made.urls());
    REQUIRE(whole.changed());
    CHECK(whole.links_rewritten == 2);
    CHECK(whole.pixels == 2);
}
