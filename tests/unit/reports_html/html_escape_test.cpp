#include <catch2/catch.hpp>

#include "reports/html_escape.hpp"

namespace relaylab::reports {
namespace {

TEST_CASE("html_escape: markup, quotes, controls and bad UTF-8", "[reports_html]") {
    struct Case {
        const char* label;
        std::string in;
        std::string want;
    };
    const Case cases[] = {
        {"plain text", "gmail.test", "gmail.test"},
        {"empty", "", ""},
        {"markup", "<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"},
        {"ampersand first, not twice", "&lt;", "&amp;lt;"},
        {"both quotes", "\"a\" 'b'", "&quot;a&quot; &#39;b&#39;"},
        {"tab and newlines kept", "a\tb\r\nc", "a\tb\r\nc"},
        {"other controls dropped",
         std::string("a\x01\x1b\x7f"
                     "b\0c",
                     7),
         "abc"},
        {"UTF-8 kept", "Gr\xC3\xBC\xC3\x9F \xE2\x9C\x93 \xF0\x9F\x93\xA7",
         "Gr\xC3\xBC\xC3\x9F \xE2\x9C\x93 \xF0\x9F\x93\xA7"},
        {"lone continuation byte", "a\x80<", "a\xEF\xBF\xBD&lt;"},
        {"truncated sequence before a quote", "\xE2\x9C\"", "\xEF\xBF\xBD\xEF\xBF\xBD&quot;"},
        {"overlong encoding of <", "\xC0\xBC", "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"surrogate", "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"above U+10FFFF", "\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"sequence cut by the end", "ok\xF0\x9F", "ok\xEF\xBF\xBD\xEF\xBF\xBD"},
    };
    for (const Case& c : cases) {
        INFO(c.label << ": got " << html_escape(c.in) << ", want " << c.want);
        CHECK(html_escape(c.in) == c.want);
    }
}

TEST_CASE("append_html_escaped appends", "[reports_html]") {
    std::string out = "<b>";
    append_html_escaped(out, "<i>");
    CHECK(out == "<b>&lt;i&gt;");
}

}  // namespace
}  // namespace relaylab::reports
