#include "probes/auth/message_headers.hpp"

#include <algorithm>

namespace relaylab::auth {
namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

// Bare LF -> CRLF; CRLF kept. A lone CR stays data (it is not a line end in RFC 5322).
// Copies runs between LFs whole: this is on every judged message's path.
std::string normalise_line_ends(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 32);
    std::size_t start = 0;
    while (start < bytes.size()) {
        std::size_t lf = bytes.find('\n', start);
        if (lf == std::string_view::npos) {
            out.append(bytes.substr(start));
            break;
        }
        out.append(bytes.substr(start, lf - start));
        if (lf == 0 || bytes[lf - 1] != '\r') out.push_back('\r');
        out.push_back('\n');
        start = lf + 1;
    }
    return out;
}

}  // namespace

std::string_view HeaderField::name() const {
    std::string_view n = std::string_view(raw).substr(0, colon);
    while (!n.empty() && is_wsp(n.back()))
        n.remove_suffix(1);
    return n;
}

MessageParseResult parse_message(std::string_view bytes) {
    MessageParseResult result;
    if (bytes.size() > max_message_bytes) {
        result.error = "message is larger than " + std::to_string(max_message_bytes) + " bytes";
        return result;
    }
    std::string text = normalise_line_ends(bytes);
    ParsedMessage message;
    std::size_t pos = 0;
    std::size_t line_number = 0;
    bool body_found = false;
    while (pos < text.size()) {
        std::size_t eol = text.find("\r\n", pos);
        std::size_t line_end = eol == std::string::npos ? text.size() : eol;
        std::size_t next = eol == std::string::npos ? text.size() : eol + 2;
        std::string_view line(text.data() + pos, line_end - pos);
        ++line_number;
        if (pos > max_header_section_bytes) {
            result.error = "header section is longer than " +
                           std::to_string(max_header_section_bytes) + " bytes";
            return result;
        }
        if (line.empty()) {
            message.body = text.substr(next);
            body_found = true;
            break;
        }
        if (is_wsp(line.front())) {
            if (message.headers.empty()) {
                result.error = "line 1 starts with whitespace: a continuation with no header field";
                return result;
            }
            HeaderField& field = message.headers.back();
            if (field.raw.size() + 2 + line.size() > max_header_field_bytes) {
                result.error = "header field '" + std::string(field.name()) + "' is longer than " +
                               std::to_string(max_header_field_bytes) + " bytes";
                return result;
            }
            field.raw.append("\r\n").append(line);
        } else if (line_number == 1 && line.starts_with("From ")) {
            // mbox envelope line, not a header field
        } else {
            std::size_t colon = line.find(':');
            bool name_ok = colon != std::string_view::npos && colon > 0;
            if (name_ok) {
                std::string_view name = line.substr(0, colon);
                while (!name.empty() && is_wsp(name.back()))
                    name.remove_suffix(1);
                // RFC 5322 2.2: ftext is printable US-ASCII except ':'.
                name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
                    return c >= 0x21 && c <= 0x7e;
                });
            }
            if (!name_ok) {
                result.error = "line " + std::to_string(line_number) +
                               " in the header section is not a header field (no 'name:')";
                return result;
            }
            if (message.headers.size() == max_header_fields) {
                result.error = "more than " + std::to_string(max_header_fields) + " header fields";
                return result;
            }
            if (line.size() > max_header_field_bytes) {
                result.error = "header field on line " + std::to_string(line_number) +
                               " is longer than " + std::to_string(max_header_field_bytes) +
                               " bytes";
                return result;
            }
            message.headers.push_back(HeaderField{std::string(line), colon});
        }
        pos = next;
    }
    (void)body_found;  // no blank line: a message with headers only and an empty body
    result.message = std::move(message);
    return result;
}

std::string unfold(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') {
            ++i;
            continue;
        }
        out.push_back(value[i]);
    }
    return out;
}

std::string_view trim_wsp(std::string_view text) {
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && ws(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && ws(text.back()))
        text.remove_suffix(1);
    return text;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace relaylab::auth
