// read_list_unsubscribe against the RFC examples and the ways senders get one-click wrong.
#include <catch2/catch.hpp>

#include <string>

#include "fake-mx/placement/model/list_unsubscribe.hpp"

using relaylab::placement::ListUnsubscribe;
using relaylab::placement::read_list_unsubscribe;

namespace {

// A DKIM-Signature whose h= lists `signed_fields`; the b= and bh= values are placeholders: the
// reader looks at h= only.
std::string dkim(const std::string& signed_fields) {
    return "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;\r\n"
           "\th=" +
           signed_fields +
           ";\r\n"
           "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n";
}

const std::string one_click_headers =
    "From: news@example.com\r\n"
    "To: someone@example.net\r\n"
    "List-Unsubscribe: <mailto:unsub@example.com?subject=unsubscribe>,\r\n"
    "  <https://example.com/unsubscribe/opaquepart>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
    dkim("from:to:subject:list-unsubscribe:list-unsubscribe-post") + "Subject: hi\r\n";

}  // namespace

TEST_CASE("RFC 2369 examples: URI lists with comments and whitespace", "[list_unsubscribe]") {
    struct Case {
        const char* label;
        std::string field;
        std::vector<std::string> uris;
    };
    // RFC 2369 3.2 examples, and 2's note that whitespace inside a folded URI is ignored.
    auto c = GENERATE(values<Case>({
        {"mailto only",
         "<mailto:list@host.com?subject=unsubscribe>",
         {"mailto:list@host.com?subject=unsubscribe"}},
        {"comment after",
         "(Use this command to get off the list)\r\n    "
         "<mailto:list-manager@host.com?body=unsubscribe%20list>",
         {"mailto:list-manager@host.com?body=unsubscribe%20list"}},
        {"mailto and http",
         "<mailto:list-request@host.com?subject=unsubscribe>,\r\n "
         "<http://www.host.com/list.cgi?cmd=unsub&lst=list>",
         {"mailto:list-request@host.com?subject=unsubscribe",
          "http://www.host.com/list.cgi?cmd=unsub&lst=list"}},
        {"folded inside brackets",
         "<https://example.com/u/\r\n  abc>",
         {"https://example.com/u/abc"}},
        {"nested comment with bracket",
         "(a (nested <not:a-uri>) comment) <https://e.example/u>",
         {"https://e.example/u"}},
        {"no brackets", "https://example.com/u", {}},
        {"unterminated bracket",
         "<https://a.example/u>, <https://b.example/u",
         {"https://a.example/u"}},
    }));
    ListUnsubscribe got =
        read_list_unsubscribe("List-Unsubscribe: " + c.field + "\r\n\r\nbody\r\n");
    INFO(c.label);
    CHECK(got.present);
    CHECK(got.uris == c.uris);
    CHECK_FALSE(got.one_click());
}

TEST_CASE("RFC 8058 example is one-click", "[list_unsubscribe]") {
    ListUnsubscribe got = read_list_unsubscribe(one_click_headers + "\r\nbody\r\n");
    CHECK(got.present);
    CHECK(got.https_uri == "https://example.com/unsubscribe/opaquepart");
    CHECK(got.mailto_uri == "mailto:unsub@example.com?subject=unsubscribe");
    CHECK(got.post_one_click);
    CHECK(got.dkim_covered);
    CHECK(got.problem.empty());
    CHECK(got.one_click());
}

TEST_CASE("one-click problems, each named", "[list_unsubscribe]") {
    const std::string list = "List-Unsubscribe: <https://example.com/u/1>\r\n";
    const std::string post = "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
    const std::string covered = dkim("from:list-unsubscribe:list-unsubscribe-post");
    struct Case {
        const char* label;
        std::string headers;
        std::string problem;  // a part of the expected text
    };
    auto c = GENERATE_REF(values<Case>({
        {"no field", "From: a@example.com\r\n", "no List-Unsubscribe field"},
        {"missing Post", list + covered, "no List-Unsubscribe-Post field"},
        {"Post value wrong",
         list + "List-Unsubscribe-Post: List-Unsubscribe=one-click\r\n" + covered,
         "is not \"List-Unsubscribe=One-Click\""},
        {"http-only URI",
         "List-Unsubscribe: <http://example.com/u/1>, <mailto:u@example.com>\r\n" + post + covered,
         "no https URI"},
        {"no DKIM", list + post, "no DKIM-Signature"},
        {"DKIM covers List-Unsubscribe only", list + post + dkim("from:list-unsubscribe"),
         "no DKIM signature covers"},
        {"DKIM h= unparseable",
         list + post + "DKIM-Signature: h=list-unsubscribe:list-unsubscribe-post; h=x\r\n",
         "no DKIM signature covers"},
    }));
    ListUnsubscribe got = read_list_unsubscribe(c.headers + "\r\nbody\r\n");
    INFO(c.label << ": got problem \"" << got.problem << "\"");
    CHECK_FALSE(got.one_click());
    CHECK(got.problem.find(c.problem) != std::string::npos);
}

TEST_CASE("several DKIM signatures: one covering both is enough", "[list_unsubscribe]") {
    std::string headers =
        "List-Unsubscribe: <https://example.com/u/1>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
        dkim("from:to") + dkim("From : List-Unsubscribe :\r\n\tLIST-UNSUBSCRIBE-POST");
    ListUnsubscribe got = read_list_unsubscribe(headers + "\r\n");
    CHECK(got.dkim_covered);
    CHECK(got.one_click());
}

TEST_CASE("field names are case-insensitive, LF line ends are read", "[list_unsubscribe]") {
    std::string headers =
        "list-unsubscribe: <HTTPS://example.com/u/1>\n"
        "LIST-UNSUBSCRIBE-POST: List-Unsubscribe=One-Click\n"
        "dkim-signature: v=1; h=List-Unsubscribe:List-Unsubscribe-Post; b=AA\n";
    ListUnsubscribe got = read_list_unsubscribe(headers + "\n");
    CHECK(got.https_uri == "HTTPS://example.com/u/1");
    CHECK(got.one_click());
}

TEST_CASE("fields in the body are not read", "[list_unsubscribe]") {
    ListUnsubscribe got = read_list_unsubscribe(
        "From: a@example.com\r\n\r\nList-Unsubscribe: <https://example.com/u>\r\n");
    CHECK_FALSE(got.present);
}

TEST_CASE("hostile fields stay bounded", "[list_unsubscribe]") {
    SECTION("a 1 MiB List-Unsubscribe is cut and refused") {
        std::string field = "List-Unsubscribe: <https://example.com/u>";
        while (field.size() < 1024 * 1024)
            field += ",\r\n <https://example.com/" + std::string(100, 'x') + ">";
        ListUnsubscribe got = read_list_unsubscribe(
            field + "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n");
        CHECK(got.present);
        CHECK(got.uris.size() <= 8);
        CHECK_FALSE(got.one_click());
        CHECK(got.problem.find("longer than") != std::string::npos);
    }
    SECTION("a thousand URIs keep eight") {
        std::string field = "List-Unsubscribe: ";
        for (int i = 0; i < 1000; ++i)
            field += "<https://example.com/" + std::to_string(i) + ">, ";
        ListUnsubscribe got = read_list_unsubscribe(field + "\r\n\r\n");
        CHECK(got.uris.size() == 8);
        CHECK(got.uris.back() == "https://example.com/7");
    }
    SECTION("a header section beyond 256 KiB is not read to its end") {
        std::string headers;
        while (headers.size() < 300 * 1024)
            headers += "X-Filler: " + std::string(200, 'y') + "\r\n";
        ListUnsubscribe got =
            read_list_unsubscribe(headers + "List-Unsubscribe: <https://example.com/u>\r\n\r\n");
        CHECK_FALSE(got.present);
    }
    SECTION("deeply nested comments") {
        ListUnsubscribe got = read_list_unsubscribe("List-Unsubscribe: " + std::string(5000, '(') +
                                                    "<https://example.com/u>\r\n\r\n");
        CHECK(got.present);
        CHECK(got.uris.empty());
    }
    SECTION("an over-long URI is skipped") {
        ListUnsubscribe got =
            read_list_unsubscribe("List-Unsubscribe: <https://example.com/" +
                                  std::string(5000, 'z') + ">, <mailto:u@example.com>\r\n\r\n");
        REQUIRE(got.uris.size() == 1);
        CHECK(got.uris[0] == "mailto:u@example.com");
    }
}
