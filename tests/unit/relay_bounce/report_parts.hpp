// Test helper: a DSN taken apart the way a MIME reader would, so tests assert on its structure
// (top header fields, the three parts, the delivery-status groups) instead of searching text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/message_headers.hpp"

namespace relaylab::relay::test {

struct Part {
    std::vector<auth::HeaderField> headers;
    std::string body;

    // The unfolded value of the first field so named, without surrounding blanks.
    std::optional<std::string> field(std::string_view name) const {
        for (const auto& h : headers)
            if (auth::iequals(h.name(), name))
                return std::string(auth::trim_wsp(auth::unfold(h.value())));
        return std::nullopt;
    }
    std::size_t count(std::string_view name) const {
        std::size_t n = 0;
        for (const auto& h : headers)
            n += auth::iequals(h.name(), name);
        return n;
    }
};

inline Part parse_part(std::string_view text) {
    auto parsed = auth::parse_message(text);
    if (!parsed.message) return Part{};
    return Part{parsed.message->headers, parsed.message->body};
}

// The boundary= parameter of a Content-Type value (quoted or not).
inline std::string boundary_of(std::string_view content_type) {
    auto at = content_type.find("boundary=");
    if (at == std::string_view::npos) return {};
    std::string_view rest = content_type.substr(at + 9);
    if (!rest.empty() && rest.front() == '"') {
        rest.remove_prefix(1);
        return std::string(rest.substr(0, rest.find('"')));
    }
    return std::string(rest.substr(0, rest.find_first_of("; \t\r\n")));
}

struct Report {
    Part top;
    std::string boundary;
    std::vector<Part> parts;
    bool closed = false;  // the close delimiter was found
    std::vector<std::string> raw_parts;
};

// RFC 2046 5.1.1: each part lies between CRLF--boundary lines; the CRLF before a delimiter
// belongs to the delimiter.
inline Report split_report(std::string_view message) {
    Report r;
    r.top = parse_part(message);
    r.boundary = boundary_of(r.top.field("Content-Type").value_or(""));
    if (r.boundary.empty()) return r;
    std::string body = "\r\n" + r.top.body;  // the first delimiter may open the body
    const std::string delimiter = "\r\n--" + r.boundary;
    std::size_t at = body.find(delimiter);
    while (at != std::string::npos) {
        std::size_t line_end = body.find("\r\n", at + delimiter.size());
        if (line_end == std::string::npos) break;
        if (body.compare(at + delimiter.size(), 2, "--") == 0) {
            r.closed = true;
            break;
        }
        std::size_t start = line_end + 2;
        std::size_t next = body.find(delimiter, start);
        if (next == std::string::npos) break;
        r.raw_parts.push_back(body.substr(start, next - start));
        r.parts.push_back(parse_part(r.raw_parts.back()));
        at = next;
    }
    return r;
}

// The delivery-status body as field groups (RFC 3464 2.1): per-message first, then one per
// recipient.
inline std::vector<Part> status_groups(std::string_view body) {
    std::vector<Part> groups;
    std::string text(body);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find("\r\n\r\n", pos);
        std::string group =
            text.substr(pos, end == std::string::npos ? std::string::npos : end + 2 - pos);
        if (!group.empty()) groups.push_back(parse_part(group + "\r\n"));
        if (end == std::string::npos) break;
        pos = end + 4;
    }
    return groups;
}

// Every line of `text` ends in CRLF and is at most 998 octets before it.
inline bool lines_ok(std::string_view text, std::string* why = nullptr) {
    std::size_t line = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            if (i + 1 >= text.size() || text[i + 1] != '\n') {
                if (why) *why = "bare CR at " + std::to_string(i);
                return false;
            }
            ++i;
            line = 0;
        } else if (text[i] == '\n') {
            if (why) *why = "bare LF at " + std::to_string(i);
            return false;
        } else if (++line > 998) {
            if (why) *why = "line over 998 octets at " + std::to_string(i);
            return false;
        }
    }
    if (!text.empty() && text.back() != '\n') {
        if (why) *why = "no final CRLF";
        return false;
    }
    return true;
}

}  // namespace relaylab::relay::test
