#include "harness/load/message_parts.hpp"

#include <algorithm>
#include <initializer_list>

namespace relaylab::load {

namespace {

constexpr std::size_t filler_line_octets = filler_line_chars + 2;

const std::string& filler_line() {
    static const std::string line = [] {
        std::string text;
        for (std::size_t i = 0; i < filler_line_chars; ++i)
            text += static_cast<char>('a' + i % 26);
        return text + "\r\n";
    }();
    return line;
}

}  // namespace

std::string expand_placeholders(std::string_view text, const Placeholders& values) {
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t start = 0;
    while (start < text.size()) {
        auto found = text.find('{', start);
        if (found == std::string_view::npos) break;
        std::string_view rest = text.substr(found);
        std::optional<std::uint64_t> value;
        if (rest.starts_with("{n}")) {
            value = values.n;
        } else if (values.r != 0 && rest.starts_with("{r}")) {
            value = values.r;
        } else if (values.i && rest.starts_with("{i}")) {
            value = values.i;
        }
        if (value) {
            out.append(text.substr(start, found - start));
            out += std::to_string(*value);
            start = found + 3;
        } else {
            out.append(text.substr(start, found + 1 - start));
            start = found + 1;
        }
    }
    out.append(text.substr(std::min(start, text.size())));
    return out;
}

std::string make_tracking_id(std::string_view run_id, std::uint64_t n) {
    std::string id(run_id);
    id += '-';
    id += std::to_string(n);
    return id;
}

void append_common_headers(std::string& out, const CommonHeaders& fields) {
    auto add = [&out](std::initializer_list<std::string_view> parts) {
        for (std::string_view part : parts)
            out.append(part);
    };
    add({"From: <", fields.from, ">\r\n"});
    // One recipient per line (folded, RFC 5322 2.2.3): no header line grows past 998 octets.
    out += "To: ";
    if (fields.recipients) {
        const auto& recipients = *fields.recipients;
        for (std::size_t i = 0; i < recipients.size(); ++i) {
            if (i > 0) out += ",\r\n ";
            add({"<", recipients[i], ">"});
        }
    }
    add({"\r\nSubject: ", fields.subject, "\r\nDate: ", fields.date, "\r\nMessage-ID: <",
         fields.tracking_id, "@relaylab.test>\r\nX-Relaylab-Id: ", fields.tracking_id, "\r\n"});
}

bool append_filler(std::string& out, std::size_t octets) {
    if (octets == 1) return false;
    const std::string& line = filler_line();
    std::size_t full = octets / filler_line_octets;
    std::size_t rest = octets % filler_line_octets;
    if (rest == 1) {  // one octet cannot be a line: one full line becomes 77 characters
        --full;
        out.append(line, 0, filler_line_chars);
        out += "z\r\n";
        rest = 0;
    }
    for (std::size_t i = 0; i < full; ++i)
        out += line;
    if (rest >= 2) {
        out.append(rest - 2, 'z');
        out += "\r\n";
    }
    return true;
}

bool is_7bit_text(std::string_view text) {
    std::size_t line = 0;
    for (std::size_t k = 0; k < text.size(); ++k) {
        auto c = static_cast<unsigned char>(text[k]);
        if (c == '\r') {
            if (k + 1 >= text.size() || text[k + 1] != '\n') return false;
            ++k;
            line = 0;
            continue;
        }
        if (c == 0 || c >= 0x80 || c == '\n') return false;
        if (++line > max_header_line_octets) return false;
    }
    return true;
}

std::string encode_quoted_printable(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + text.size() / 8 + 4);
    std::size_t column = 0;
    // Room for "=XX" and the soft break's '=' keeps every line within 76 characters.
    auto put = [&](std::string_view piece) {
        if (column + piece.size() > quoted_printable_line_chars - 1) {
            out += "=\r\n";
            column = 0;
        }
        out += piece;
        column += piece.size();
    };
    for (std::size_t k = 0; k < text.size(); ++k) {
        auto c = static_cast<unsigned char>(text[k]);
        if (c == '\r' && k + 1 < text.size() && text[k + 1] == '\n') {
            out += "\r\n";
            column = 0;
            ++k;
            continue;
        }
        bool line_end = k + 1 == text.size() || text.substr(k + 1).starts_with("\r\n");
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end);
        // A '.' first on a line is literal: SMTP's dot-stuffing takes care of it.
        if (literal) {
            char one = static_cast<char>(c);
            put(std::string_view(&one, 1));
        } else {
            char escaped[3] = {'=', hex[c >> 4], hex[c & 0xf]};
            put(std::string_view(escaped, 3));
        }
    }
    if (!out.empty() && !out.ends_with("\r\n")) out += "=\r\n";
    return out;
}

void widen_mime_version(std::string& message, std::size_t mime_version_at) {
    constexpr std::string_view name = "MIME-Version:";
    message.insert(mime_version_at + name.size(), 1, ' ');
}

}  // namespace relaylab::load
