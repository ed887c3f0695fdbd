#include "harness/relay/engagement/html_entities.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

namespace relaylab::relay {
namespace {

// Longer references are not URL material; reading stops there so "&" alone costs nothing.
constexpr std::size_t max_reference = 10;
constexpr std::uint32_t max_code_point = 0x10FFFF;

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::optional<std::uint32_t> numeric_reference(std::string_view body) {
    // body: what sits between "&#" and ";"
    bool hex = !body.empty() && (body[0] == 'x' || body[0] == 'X');
    if (hex) body.remove_prefix(1);
    if (body.empty()) return std::nullopt;
    std::uint32_t value = 0;
    for (char c : body) {
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (hex && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        if (hex && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        if (digit < 0) return std::nullopt;
        value = value * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
        if (value > max_code_point) return std::nullopt;
    }
    // Surrogates and NUL are not characters a URL may carry.
    if (value == 0 || (value >= 0xD800 && value <= 0xDFFF)) return std::nullopt;
    return value;
}

}  // namespace

std::string decode_html_entities(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, char>, 5> named{
        {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}}};
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '&') {
            out += text[i++];
            continue;
        }
        std::size_t semicolon = text.find(';', i + 1);
        if (semicolon == std::string_view::npos || semicolon - i > max_reference) {
            out += text[i++];
            continue;
        }
        std::string_view body = text.substr(i + 1, semicolon - i - 1);
        bool done = false;
        if (!body.empty() && body[0] == '#') {
            if (auto cp = numeric_reference(body.substr(1))) {
                append_utf8(out, *cp);
                done = true;
            }
        } else {
            for (const auto& [name, c] : named) {
                if (body == name) {
                    out += c;
                    done = true;
                    break;
                }
            }
        }
        if (done) {
            i = semicolon + 1;
        } else {
            out += text[i++];
        }
    }
    return out;
}

}  // namespace relaylab::relay
