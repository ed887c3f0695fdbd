// xml_escape on its own: each rule of the header, byte for byte.
#include <catch2/catch.hpp>

#include "reports/xml_escape.hpp"

using relaylab::reports::xml_escape;
using relaylab::reports::XmlPlace;

TEST_CASE("xml_escape: the five markup characters", "[reports][xml]") {
    CHECK(xml_escape("<a href=\"x\">'&'</a>", XmlPlace::attribute) ==
          "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    CHECK(xml_escape("]]>", XmlPlace::text) == "]]&gt;");
}

TEST_CASE("xml_escape: white space in attributes and in text", "[reports][xml]") {
    CHECK(xml_escape("a\tb\nc\rd", XmlPlace::attribute) == "a&#9;b&#10;c&#13;d");
    CHECK(xml_escape("a\tb\nc\rd", XmlPlace::text) == "a\tb\nc&#13;d");
}

TEST_CASE("xml_escape: characters XML 1.0 forbids are dropped", "[reports][xml]") {
    CHECK(xml_escape(std::string("a\0b\x01\x08\x0b\x0c\x1f\x7f"
                                 "c",
                                 10),
                     XmlPlace::text) == "abc");
    CHECK(xml_escape("x\xEF\xBF\xBEy\xEF\xBF\xBFz", XmlPlace::text) == "xyz");  // U+FFFE, U+FFFF
    CHECK(xml_escape("\xEF\xBF\xBD", XmlPlace::text) == "\xEF\xBF\xBD");        // U+FFFD stays
}

TEST_CASE("xml_escape: bytes that are not UTF-8 become U+FFFD, good UTF-8 stays",
          "[reports][xml]") {
    const std::string fffd = "\xEF\xBF\xBD";
    struct Case {
        const char* label;
        std::string in;
        std::string out;
    };
    const Case cases[] = {
        {"two-byte", "\xC3\xA9", "\xC3\xA9"},
        {"four-byte", "\xF0\x9F\x93\xA7", "\xF0\x9F\x93\xA7"},
        {"lone continuation", "\x80", fffd},
        {"overlong slash", "\xC0\xAF", fffd + fffd},
        {"overlong three-byte", "\xE0\x80\xAF", fffd + fffd + fffd},
        {"surrogate", "\xED\xA0\x80", fffd + fffd + fffd},
        {"above U+10FFFF", "\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},
        {"truncated at the end", "a\xE2\x82", "a" + fffd + fffd},
        {"truncated before '<'", "\xE2<", fffd + "&lt;"},
    };
    for (const auto& c : cases) {
        INFO(c.label);
        CHECK(xml_escape(c.in, XmlPlace::text) == c.out);
    }
}
