#include "harness/relay/engagement/quoted_printable.hpp"

namespace relaylab::relay {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // not canonical, but written by some MUAs
    return -1;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

// Rule 2 and 3: printable ASCII but "=" stays literal; so do blanks that do not end a line.
bool literal(char c) {
    return (c >= 33 && c <= 126 && c != '=') || is_blank(c);
}

}  // namespace

std::string qp_decode(std::string_view encoded) {
    std::string out;
    out.reserve(encoded.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        char c = encoded[i];
        if (c != '=') {
            out += c;
            continue;
        }
        // A soft line break: "=", maybe blanks an encoder or transport left (rule 3), newline.
        std::size_t j = i + 1;
        while (j < encoded.size() && is_blank(encoded[j]))
            ++j;
        if (j < encoded.size() && (encoded[j] == '\n' || encoded[j] == '\r')) {
            if (encoded[j] == '\r' && j + 1 < encoded.size() && encoded[j + 1] == '\n') ++j;
            i = j;
            continue;
        }
        if (j == encoded.size()) {  // "=" ending the text: a soft break before nothing
            i = j;
            continue;
        }
        if (i + 2 < encoded.size() && hex_value(encoded[i + 1]) >= 0 &&
            hex_value(encoded[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2]));
            i += 2;
            continue;
        }
        out += c;  // malformed: kept as it stands (RFC 2045 6.7 note 1)
    }
    return out;
}

std::string qp_encode(std::string_view text, std::string_view newline) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t line_length = 0;
    auto put = [&](std::string_view piece, bool line_continues) {
        // Room is kept for the "=" of a soft break while more of the line follows.
        std::size_t limit = line_continues ? qp_max_line - 1 : qp_max_line;
        if (line_length + piece.size() > limit) {
            out += '=';
            out += newline;
            line_length = 0;
        }
        out += piece;
        line_length += piece.size();
    };
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.substr(i).starts_with(newline)) {
            out += newline;
            line_length = 0;
            i += newline.size();
            continue;
        }
        char c = text[i];
        bool line_ends = i + 1 == text.size() || text.substr(i + 1).starts_with(newline);
        // Rule 3: a blank that ends a line is encoded, or transports would strip it.
        if (literal(c) && !(is_blank(c) && line_ends)) {
            put(std::string_view(&text[i], 1), !line_ends);
        } else {
            auto byte = static_cast<unsigned char>(c);
            const char escaped[3] = {'=', digits[byte >> 4], digits[byte & 0x0f]};
            put(std::string_view(escaped, 3), !line_ends);
        }
        ++i;
    }
    return out;
}

}  // namespace relaylab::relay
