#include "fake-mx/placement/model/html_links.hpp"

#include <algorithm>
#include <cstdint>

#include "fake-mx/placement/model/mime_html.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::placement {
namespace {

// A tracking URL is a few hundred octets; a longer one is not fetched (RFC 9110 4.1 asks for
// 8000 octets of support, we need far less).
constexpr std::size_t max_url_bytes = 4096;
// Entity names we decode; a longer name after '&' is text.
constexpr std::size_t max_entity_bytes = 10;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == ':';
}

void append_utf8(std::string& out, std::uint32_t code) {
    if (code == 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) code = 0xfffd;
    if (code < 0x80) {
        out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    }
}

// The character references a URL in an attribute carries: &amp; (the one every HTML writer
// must use for '&' in a query), the other XML four, and numeric ones. Anything else stays as
// written, as browsers do with an unknown name.
std::string decode_entities(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '&') {
            out.push_back(text[i]);
            continue;
        }
        std::size_t semicolon = text.find(';', i + 1);
        if (semicolon == std::string_view::npos || semicolon - i - 1 > max_entity_bytes) {
            out.push_back('&');
            continue;
        }
        std::string_view name = text.substr(i + 1, semicolon - i - 1);
        bool decoded = true;
        if (name == "amp") {
            out.push_back('&');
        } else if (name == "lt") {
            out.push_back('<');
        } else if (name == "gt") {
            out.push_back('>');
        } else if (name == "quot") {
            out.push_back('"');
        } else if (name == "apos") {
            out.push_back('\'');
        } else if (name.size() >= 2 && name[0] == '#') {
            bool hex = name[1] == 'x' || name[1] == 'X';
            std::string_view digits = name.substr(hex ? 2 : 1);
            std::uint32_t code = 0;
            decoded = !digits.empty();
            for (char c : digits) {
                int d = -1;
                if (c >= '0' && c <= '9') d = c - '0';
                if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
                if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
                if (d < 0) {
                    decoded = false;
                    break;
                }
                code = std::min<std::uint32_t>(code * (hex ? 16 : 10) + d, 0x110000);
            }
            if (decoded) append_utf8(out, code);
        } else {
            decoded = false;
        }
        if (decoded) {
            i = semicolon;
        } else {
            out.push_back('&');
        }
    }
    return out;
}

// What a browser does to an attribute URL before using it: ASCII whitespace at the ends
// stripped, tabs and newlines inside removed (WHATWG URL parsing).
std::string clean_url(std::string_view raw) {
    std::string decoded = decode_entities(raw);
    std::string out;
    for (char c : decoded)
        if (c != '\t' && c != '\r' && c != '\n') out.push_back(c);
    return std::string(auth::trim_wsp(out));
}

bool is_http_url(std::string_view url) {
    auto has_prefix = [&](std::string_view prefix) {
        return url.size() > prefix.size() && auth::iequals(url.substr(0, prefix.size()), prefix);
    };
    return has_prefix("http://") || has_prefix("https://");
}

struct Collector {
    std::size_t max_urls;

    void add(std::vector<std::string>& list, std::string_view raw) {
        if (list.size() >= max_urls || raw.size() > max_url_bytes * 2) return;
        std::string url = clean_url(raw);
        if (url.size() > max_url_bytes || !is_http_url(url)) return;
        if (std::find(list.begin(), list.end(), url) != list.end()) return;
        list.push_back(std::move(url));
    }
};

// Reads the attributes of a start tag from `pos` (just after its name); calls `on_attribute`
// with (name, raw value) and returns the offset after the tag's '>'. Quoted values may hold
// '>' (a URL's query can); unquoted ones end at whitespace or '>'.
template <typename OnAttribute>
std::size_t read_attributes(std::string_view html, std::size_t pos, OnAttribute on_attribute) {
    while (pos < html.size()) {
        while (pos < html.size() && (is_space(html[pos]) || html[pos] == '/'))
            ++pos;
        if (pos >= html.size()) return pos;
        if (html[pos] == '>') return pos + 1;
        std::size_t name_begin = pos;
        while (pos < html.size() && !is_space(html[pos]) && html[pos] != '=' && html[pos] != '>' &&
               html[pos] != '/')
            ++pos;
        std::string_view name = html.substr(name_begin, pos - name_begin);
        while (pos < html.size() && is_space(html[pos]))
            ++pos;
        if (pos >= html.size() || html[pos] != '=') continue;  // an attribute without a value
        ++pos;
        while (pos < html.size() && is_space(html[pos]))
            ++pos;
        if (pos >= html.size()) return pos;
        std::string_view value;
        if (html[pos] == '"' || html[pos] == '\'') {
            char quote = html[pos];
            std::size_t close = html.find(quote, pos + 1);
            if (close == std::string_view::npos) return html.size();
            value = html.substr(pos + 1, close - pos - 1);
            pos = close + 1;
        } else {
            std::size_t begin = pos;
            while (pos < html.size() && !is_space(html[pos]) && html[pos] != '>')
                ++pos;
            value = html.substr(begin, pos - begin);
        }
        on_attribute(name, value);
    }
    return pos;
}

}  // namespace

HtmlLinks find_html_links(std::string_view message, std::size_t max_urls) {
    HtmlLinks result;
    HtmlPart part = find_first_html_part(message);
    if (!part.found) return result;
    result.has_html = true;
    std::string_view html = part.html;
    Collector collect{max_urls};
    std::size_t pos = 0;
    while (pos < html.size()) {
        std::size_t open = html.find('<', pos);
        if (open == std::string_view::npos) break;
        if (html.substr(open, 4) == "<!--") {
            std::size_t close = html.find("-->", open + 4);
            if (close == std::string_view::npos) break;
            pos = close + 3;
            continue;
        }
        std::size_t name_end = open + 1;
        while (name_end < html.size() && is_name_char(html[name_end]))
            ++name_end;
        std::string_view tag = html.substr(open + 1, name_end - open - 1);
        bool image = auth::iequals(tag, "img");
        bool anchor = auth::iequals(tag, "a");
        if (!image && !anchor) {
            pos = open + 1;
            continue;
        }
        pos = read_attributes(html, name_end, [&](std::string_view name, std::string_view value) {
            if (image && auth::iequals(name, "src")) collect.add(result.images, value);
            if (anchor && auth::iequals(name, "href")) collect.add(result.links, value);
        });
    }
    return result;
}

}  // namespace relaylab::placement
