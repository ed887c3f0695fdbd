#include "reports/xml_escape.hpp"

#include <cstddef>

#include "reports/utf8.hpp"

namespace relaylab::reports {
namespace {

// U+FFFE and U+FFFF (EF BF BE, EF BF BF): well-formed UTF-8, but not XML characters.
bool is_xml_noncharacter(std::string_view sequence) {
    return sequence == "\xEF\xBF\xBE" || sequence == "\xEF\xBF\xBF";
}

}  // namespace

void append_xml_escaped(std::string& out, std::string_view text, XmlPlace place) {
    const bool attribute = place == XmlPlace::attribute;
    out.reserve(out.size() + text.size());
    const auto append_character = [&](std::string_view character) {
        if (!is_xml_noncharacter(character)) out += character;
    };
    const auto escape_ascii = [&](unsigned char c) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            case '\t':
                out += attribute ? "&#9;" : "\t";
                break;
            case '\n':
                out += attribute ? "&#10;" : "\n";
                break;
            case '\r':
                out += "&#13;";
                break;
            default:
                if (c >= 0x20 && c != 0x7F) out += static_cast<char>(c);
                break;
        }
    };
    for_each_utf8(text, escape_ascii, append_character);
}

std::string xml_escape(std::string_view text, XmlPlace place) {
    std::string out;
    append_xml_escaped(out, text, place);
    return out;
}

}  // namespace relaylab::reports
