#include "reports/html_escape.hpp"

#include <cstddef>

#include "reports/utf8.hpp"

namespace relaylab::reports {

void append_html_escaped(std::string& out, std::string_view text) {
    out.reserve(out.size() + text.size());
    const auto append_character = [&](std::string_view character) { out += character; };
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
                out += "&#39;";
                break;
            case '\t':
            case '\n':
            case '\r':
                out += static_cast<char>(c);
                break;
            default:
                if (c >= 0x20 && c != 0x7F) out += static_cast<char>(c);
                break;
        }
    };
    for_each_utf8(text, escape_ascii, append_character);
}

std::string html_escape(std::string_view text) {
    std::string out;
    append_html_escaped(out, text);
    return out;
}

}  // namespace relaylab::reports
