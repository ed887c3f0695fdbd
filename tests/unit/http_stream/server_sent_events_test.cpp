// The text/event-stream format (WHATWG HTML 9.2.5): fields, one "data:" line per line of the
// payload whatever its line ending, and nothing that could end a field early.
#include <catch2/catch.hpp>
#include <string>

#include "harness/http/server_sent_events.hpp"

using relaylab::http::sse_comment;
using relaylab::http::sse_event;

TEST_CASE("an event without a name is the browser's message event") {
    CHECK(sse_event("", "7", "<p>hello</p>") == "id: 7\ndata: <p>hello</p>\n\n");
}

TEST_CASE("a named event") {
    CHECK(sse_event("end", "12", "done") == "event: end\nid: 12\ndata: done\n\n");
}

TEST_CASE("every line ending of the data (LF, CRLF, CR) starts another data line") {
    struct Case {
        const char* label;
        std::string data;
        std::string want;
    };
    auto c =
        GENERATE(Case{"LF", "a\nb", "data: a\ndata: b\n\n"},
                 Case{"CRLF counts once", "a\r\nb", "data: a\ndata: b\n\n"},
                 Case{"CR alone", "a\rb", "data: a\ndata: b\n\n"},
                 Case{"LF CR is two breaks", "a\n\rb", "data: a\ndata: \ndata: b\n\n"},
                 Case{"a trailing break keeps an empty last line", "a\n", "data: a\ndata: \n\n"},
                 Case{"empty lines inside stay", "a\n\nb", "data: a\ndata: \ndata: b\n\n"},
                 Case{"empty data is one empty line", "", "data: \n\n"},
                 Case{"a leading space survives the one the browser strips", " x", "data:  x\n\n"},
                 Case{"a colon in the data is data", "a: b", "data: a: b\n\n"});
    INFO(c.label);
    CHECK(sse_event("", "", c.data) == c.want);
}

TEST_CASE("a name or id holding a line break cannot start a field of its own") {
    CHECK(sse_event("en\nd", "1\r\ndata: injected", "x") ==
          "event: end\nid: 1data: injected\ndata: x\n\n");
}

TEST_CASE("a comment is a line the browser ignores, ending the block") {
    CHECK(sse_comment("ping") == ": ping\n\n");
    CHECK(sse_comment("a\nb") == ": ab\n\n");
}

TEST_CASE("a big payload with many lines is split at each") {
    std::string data;
    std::string want;
    for (int i = 0; i < 1000; ++i) {
        data += "<tr><td>" + std::to_string(i) + "</td></tr>\n";
        want += "data: <tr><td>" + std::to_string(i) + "</td></tr>\n";
    }
    want += "data: \n\n";
    CHECK(sse_event("", "", data) == want);
}
