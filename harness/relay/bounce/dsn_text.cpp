#include "harness/relay/bounce/dsn_text.hpp"

#include <chrono>

#include "harness/log/timestamp.hpp"
#include "harness/smtp/address.hpp"

namespace relaylab::relay::dsn_text {
namespace {

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Where to cut `text` at most `limit` octets in, backing up so no UTF-8 sequence is split.
std::size_t cut_point(std::string_view text, std::size_t limit) {
    std::size_t cut = std::min(limit, text.size());
    while (cut > 0 && cut < text.size() && is_continuation(text[cut]))
        --cut;
    return cut;
}

}  // namespace

std::string rfc5322_date(std::int64_t unix_ms) {
    // Whole seconds, rounded down also before 1970 (a clock set wrong must not break the date).
    std::int64_t seconds = unix_ms / 1000 - (unix_ms % 1000 < 0 ? 1 : 0);
    return log::format_rfc5322_date(
        std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
}

std::string one_line(std::string_view text, bool keep_utf8, std::size_t max_octets) {
    const bool utf8 = keep_utf8 && smtp::is_valid_utf8(text);
    std::string out;
    out.reserve(std::min(text.size(), max_octets + cut_marker.size()));
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        // Runs of line breaks and blanks become one space: folding then never makes a line of
        // blanks only, and no CR or LF can reach the output (header or boundary injection).
        if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (u < 0x20 || u == 0x7f || (u >= 0x80 && !utf8)) {
            out += '?';
        } else {
            out += c;
        }
        if (out.size() > max_octets + cut_marker.size()) break;  // bounded work on any input
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    if (out.size() > max_octets) {
        std::size_t keep = max_octets > cut_marker.size() ? max_octets - cut_marker.size() : 0;
        out.resize(cut_point(out, keep));
        while (!out.empty() && out.back() == ' ')
            out.pop_back();
        out += cut_marker;
    }
    return out;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out += ':';
    std::size_t column = name.size() + 1;
    const std::size_t value_start = column + 1;
    // Appends a piece, folding before it when it starts with a space and the line is full;
    // pieces longer than a line are split with CRLF SP.
    auto put = [&](std::string_view piece, bool may_fold) {
        if (may_fold && column > value_start && column + piece.size() > fold_column) {
            out += "\r\n";
            column = 0;
        }
        while (column + piece.size() > max_line_octets) {
            std::size_t take = cut_point(piece, max_line_octets - column);
            out.append(piece.substr(0, take));
            out += "\r\n ";
            column = 1;
            piece.remove_prefix(take);
        }
        out.append(piece);
        column += piece.size();
    };
    std::size_t pos = value.find_first_not_of(' ');
    bool first = true;
    while (pos != std::string_view::npos && pos < value.size()) {
        std::size_t word = value.find_first_not_of(' ', pos);
        if (word == std::string_view::npos) break;
        std::size_t end = std::min(value.find(' ', word), value.size());
        if (first) {
            put(" ", false);
            put(value.substr(word, end - word), false);
            first = false;
        } else {
            put(value.substr(pos, end - pos), true);
        }
        pos = end;
    }
    out += "\r\n";
}

void append_wrapped(std::string& out, std::string_view text, std::string_view first_indent,
                    std::string_view next_indent) {
    std::string line(first_indent);
    std::size_t indent = first_indent.size();
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t word_start = text.find_first_not_of(' ', pos);
        if (word_start == std::string_view::npos) break;
        std::size_t end = std::min(text.find(' ', word_start), text.size());
        std::string_view word = text.substr(word_start, end - word_start);
        pos = end;
        if (line.size() > indent && line.size() + 1 + word.size() > fold_column) {
            out += line;
            out += "\r\n";
            line.assign(next_indent);
            indent = next_indent.size();
        }
        if (line.size() > indent) line += ' ';
        while (line.size() + word.size() > max_line_octets) {
            std::size_t take = cut_point(word, max_line_octets - line.size());
            if (take == 0 && line.size() <= indent) take = std::min(word.size(), std::size_t{1});
            line.append(word.substr(0, take));
            out += line;
            out += "\r\n";
            line.assign(next_indent);
            indent = next_indent.size();
            word.remove_prefix(take);
        }
        line.append(word);
    }
    out += line;
    out += "\r\n";
}

bool is_7bit(std::string_view text) {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0 || u >= 0x80) return false;
    }
    return true;
}

}  // namespace relaylab::relay::dsn_text
