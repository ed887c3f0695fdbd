#include "harness/relay/engagement/quoted_printable.hpp"

#include "fake-mx/placement/model/transfer_encoding.hpp"

namespace relaylab::relay {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

// Rule 2 and 3: printable ASCII but "=" stays literal; so do blanks that do not end a line.
bool literal(char c) {
    return (c >= 33 && c <= 126 && c != '=') || is_blank(c);
}

}  // namespace

std::string qp_decode(std::string_view encoded) {
    // One decoder for the project: the simulated recipients read mail with the same rules.
    return placement::decode_quoted_printable(encoded, encoded.size());
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
