// find_html_links: the first text/html part through MIME, its encoding undone, its <img src>
// and <a href> values as a mail client would see them.
#include <catch2/catch.hpp>

#include <string>

#include "fake-mx/placement/model/html_links.hpp"
#include "probes/auth/dkim_base64.hpp"

using relaylab::placement::find_html_links;
using relaylab::placement::HtmlLinks;

namespace {

const std::string html_body =
    "<html><body><p>Hello</p>\r\n"
    "<a href=\"http://127.0.0.1:8080/c/T1?u=https%3A%2F%2Fshop.example%2F\">shop</a>\r\n"
    "<img src=\"http://127.0.0.1:8080/o/T1\" width=\"1\" height=\"1\" alt=\"\">\r\n"
    "</body></html>\r\n";

std::string single_part(const std::string& type, const std::string& encoding,
                        const std::string& body) {
    std::string headers =
        "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: " + type + "\r\n";
    if (!encoding.empty()) headers += "Content-Transfer-Encoding: " + encoding + "\r\n";
    return headers + "\r\n" + body;
}

}  // namespace

TEST_CASE("single text/html part, 7bit", "[html_links]") {
    HtmlLinks got = find_html_links(single_part("text/html; charset=utf-8", "7bit", html_body));
    CHECK(got.has_html);
    CHECK(got.images == std::vector<std::string>{"http://127.0.0.1:8080/o/T1"});
    CHECK(got.links ==
          std::vector<std::string>{"http://127.0.0.1:8080/c/T1?u=https%3A%2F%2Fshop.example%2F"});
}

TEST_CASE("quoted-printable with soft breaks and =3D", "[html_links]") {
    // As a QP encoder writes it: '=' as =3D, lines cut at 76 with "=" soft breaks, one inside
    // the URL itself.
    std::string qp =
        "<html><body><a href=3D\"https://127.0.0.1:8443/c/T2?u=3Dhttps%3A%2F%2Fexa=\r\n"
        "mple.com%2Fpath\">x</a><img src=3D\"http://127.0.0.1:8080/o/T2\"=20\r\n"
        "alt=3D\"\"></body></html>=\r\n";
    HtmlLinks got = find_html_links(single_part("text/html", "quoted-printable", qp));
    CHECK(got.links == std::vector<std::string>{
                           "https://127.0.0.1:8443/c/T2?u=https%3A%2F%2Fexample.com%2Fpath"});
    CHECK(got.images == std::vector<std::string>{"http://127.0.0.1:8080/o/T2"});
}

TEST_CASE("base64 HTML, wrapped at 76 columns", "[html_links]") {
    std::string encoded = relaylab::auth::base64_encode(html_body);
    std::string wrapped;
    for (std::size_t i = 0; i < encoded.size(); i += 76)
        wrapped += encoded.substr(i, 76) + "\r\n";
    HtmlLinks got = find_html_links(single_part("text/html", "BASE64", wrapped));
    CHECK(got.images == std::vector<std::string>{"http://127.0.0.1:8080/o/T1"});
    CHECK(got.links.size() == 1);
}

TEST_CASE("nested multipart/mixed > multipart/alternative, the HTML is the second part",
          "[html_links]") {
    std::string message =
        "From: a@example.com\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
        "\r\n"
        "This is a multi-part message in MIME format.\r\n"
        "--outer\r\n"
        "Content-Type: multipart/alternative;\r\n"
        "\tboundary=\"outer-inner\"\r\n"
        "\r\n"
        "--outer-inner\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "Plain: http://plain.example/ is not a link\r\n"
        "--outer-inner\r\n"
        "Content-Type: text/html; charset=\"utf-8\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "<a href=3D\"http://127.0.0.1:1/c/inner\">in</a>\r\n"
        "--outer-inner--\r\n"
        "--outer\r\n"
        "Content-Type: text/html\r\n"
        "Content-Disposition: attachment; filename=\"a.html\"\r\n"
        "\r\n"
        "<a href=\"http://127.0.0.1:1/c/attachment\">no</a>\r\n"
        "--outer--\r\n"
        "epilogue <a href=\"http://127.0.0.1:1/c/epilogue\">\r\n";
    HtmlLinks got = find_html_links(message);
    CHECK(got.has_html);
    CHECK(got.links == std::vector<std::string>{"http://127.0.0.1:1/c/inner"});
}

TEST_CASE("an HTML attachment alone is not the message's HTML", "[html_links]") {
    std::string message =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        "--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment\r\n\r\n"
        "<a href=\"http://127.0.0.1/x\">x</a>\r\n--b--\r\n";
    CHECK_FALSE(find_html_links(message).has_html);
}

TEST_CASE("no HTML: plain text, missing Content-Type, multipart without boundary", "[html_links]") {
    CHECK_FALSE(
        find_html_links("From: a@example.com\r\n\r\n<a href=\"http://x.example/\">\r\n").has_html);
    CHECK_FALSE(find_html_links(single_part("text/plain", "", html_body)).has_html);
    CHECK_FALSE(find_html_links(single_part("multipart/alternative", "", html_body)).has_html);
    CHECK_FALSE(find_html_links("").has_html);
}

TEST_CASE("entities, unquoted and single-quoted attributes, case", "[html_links]") {
    std::string html =
        "<A HREF=http://127.0.0.1/c/a?x=1&amp;y=2>a</A>\r\n"
        "<a class='btn' href='http://127.0.0.1/c/b?q=&quot;&#65;&#x42;&#99;&quot;'>b</a>\r\n"
        "<IMG\tSRC = \"  http://127.0.0.1/o/p\r\n?x=1 \" >\r\n"
        "<a href=\"http://127.0.0.1/c/gt?a>b\">quoted gt</a>\r\n"
        "<a href=\"http://127.0.0.1/c/unknown&nbsp;&bogusentitythatislong;\">u</a>\r\n";
    HtmlLinks got = find_html_links(single_part("text/html", "", html));
    CHECK(got.links == std::vector<std::string>{
                           "http://127.0.0.1/c/a?x=1&y=2",
                           "http://127.0.0.1/c/b?q=\"ABc\"",
                           "http://127.0.0.1/c/gt?a>b",
                           "http://127.0.0.1/c/unknown&nbsp;&bogusentitythatislong;",
                       });
    CHECK(got.images == std::vector<std::string>{"http://127.0.0.1/o/p?x=1"});
}

TEST_CASE("only http(s), no duplicates, comments skipped, other tags ignored", "[html_links]") {
    std::string html =
        "<a href=\"mailto:x@example.com\">m</a><a href=\"javascript:alert(1)\">j</a>"
        "<a href=\"/relative\">r</a><a href=\"#top\">t</a><a href=\"ftp://f.example/\">f</a>"
        "<!-- <a href=\"http://127.0.0.1/c/commented\"> -->"
        "<area href=\"http://127.0.0.1/c/area\"><abbr href=\"http://127.0.0.1/c/abbr\">"
        "<img src=\"data:image/png;base64,AAAA\"><img src=\"cid:logo@x\">"
        "<a href=\"http://127.0.0.1/c/1\">1</a><a href=\"http://127.0.0.1/c/1\">again</a>"
        "<a name=\"n\">no href</a><img alt=\"no src\" src>";
    HtmlLinks got = find_html_links(single_part("text/html", "", html));
    CHECK(got.links == std::vector<std::string>{"http://127.0.0.1/c/1"});
    CHECK(got.images.empty());
}

TEST_CASE("caps: URL count, URL length, nesting depth, truncated tags", "[html_links]") {
    SECTION("max_urls per list") {
        std::string html;
        for (int i = 0; i < 500; ++i)
            html += "<a href=\"http://127.0.0.1/c/" + std::to_string(i) +
                    "\">x</a><img src=\"http://127.0.0.1/o/" + std::to_string(i) + "\">";
        HtmlLinks got = find_html_links(single_part("text/html", "", html), 10);
        CHECK(got.links.size() == 10);
        CHECK(got.images.size() == 10);
        CHECK(got.links.back() == "http://127.0.0.1/c/9");
    }
    SECTION("a URL over 4 KiB is not kept") {
        std::string html = "<a href=\"http://127.0.0.1/" + std::string(5000, 'a') +
                           "\">x</a><a href=\"http://127.0.0.1/short\">y</a>";
        HtmlLinks got = find_html_links(single_part("text/html", "", html));
        CHECK(got.links == std::vector<std::string>{"http://127.0.0.1/short"});
    }
    SECTION("multipart nested 50 deep: refused beyond the depth limit, no crash") {
        std::string message;
        for (int i = 0; i < 50; ++i) {
            message += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) +
                       "\r\n\r\n--b" + std::to_string(i) + "\r\n";
        }
        message += "Content-Type: text/html\r\n\r\n<a href=\"http://127.0.0.1/deep\">d</a>\r\n";
        CHECK_FALSE(find_html_links(message).has_html);
    }
    SECTION("multipart nested 4 deep is read") {
        std::string message;
        for (int i = 0; i < 4; ++i) {
            message += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) +
                       "\r\n\r\n--b" + std::to_string(i) + "\r\n";
        }
        message += "Content-Type: text/html\r\n\r\n<a href=\"http://127.0.0.1/deep\">d</a>\r\n";
        CHECK(find_html_links(message).links == std::vector<std::string>{"http://127.0.0.1/deep"});
    }
    SECTION("thousands of empty parts before the HTML: the part limit stops the walk") {
        std::string message = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
        for (int i = 0; i < 5000; ++i)
            message += "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n";
        message +=
            "--b\r\nContent-Type: text/html\r\n\r\n<a href=\"http://127.0.0.1/late\">\r\n--b--\r\n";
        CHECK_FALSE(find_html_links(message).has_html);
    }
    SECTION("a tag cut by the end of the part") {
        for (std::string html : {"<a", "<a href", "<a href=", "<a href=\"http://127.0.0.1/x",
                                 "<img src=http://127.0.0.1/x", "<!-- <a href=\"http://1/\">", "&",
                                 "&#", "&#x;", "&#99999999999999;"}) {
            HtmlLinks got = find_html_links(single_part("text/html", "", html));
            INFO(html);
            CHECK(got.has_html);
            CHECK(got.links.empty());
        }
        HtmlLinks got =
            find_html_links(single_part("text/html", "", "<img src=http://127.0.0.1/x"));
        CHECK(got.images == std::vector<std::string>{"http://127.0.0.1/x"});
    }
}
