#include "harness/smtp/reply.hpp"

#include <cstring>

namespace relaylab::smtp {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// RFC 3463 2: class "." subject "." detail, subject and detail 1-3 digits.
bool is_enhanced_code(std::string_view text) {
    std::size_t i = 0;
    auto digits = [&](std::size_t min, std::size_t max) {
        std::size_t start = i;
        while (i < text.size() && is_digit(text[i]) && i - start < max)
            ++i;
        return i - start >= min;
    };
    if (!digits(1, 1) || i >= text.size() || text[i++] != '.') return false;
    if (!digits(1, 3) || i >= text.size() || text[i++] != '.') return false;
    if (!digits(1, 3)) return false;
    return i == text.size();
}

}  // namespace

std::string Reply::text() const {
    std::string joined;
    for (const auto& line : lines) {
        if (!joined.empty()) joined += ' ';
        joined += line;
    }
    return joined;
}

std::string Reply::summary() const {
    std::string out = std::to_string(code);
    if (!enhanced.empty()) out += ' ' + enhanced;
    if (!lines.empty() && !lines.front().empty()) out += ' ' + lines.front();
    return out;
}

void append_reply(std::string& out, int code, std::string_view enhanced, std::string_view text) {
    char digits[4] = {static_cast<char>('0' + code / 100 % 10),
                      static_cast<char>('0' + code / 10 % 10), static_cast<char>('0' + code % 10),
                      ' '};
    out.append(digits, 4);
    if (!enhanced.empty()) {
        out.append(enhanced);
        out += ' ';
    }
    out.append(text);
    out.append("\r\n");
}

void append_reply(std::string& out, const Reply& reply) {
    if (reply.lines.empty()) {
        append_reply(out, reply.code, reply.enhanced, "");
        return;
    }
    for (std::size_t i = 0; i < reply.lines.size(); ++i) {
        std::size_t start = out.size();
        append_reply(out, reply.code, reply.enhanced, reply.lines[i]);
        if (i + 1 < reply.lines.size()) out[start + 3] = '-';
    }
}

std::string format_reply(const Reply& reply) {
    std::string out;
    append_reply(out, reply);
    return out;
}

Reply make_reply(int code, std::string_view enhanced, std::string_view text) {
    Reply reply;
    reply.code = code;
    reply.enhanced = std::string(enhanced);
    reply.lines.emplace_back(text);
    return reply;
}

std::string_view describe(ReplyParseError error) {
    switch (error) {
        case ReplyParseError::none:
            return "no error";
        case ReplyParseError::line_too_long:
            return "reply line longer than the limit";
        case ReplyParseError::too_many_lines:
            return "multi-line reply with too many lines";
        case ReplyParseError::bad_code:
            return "reply does not start with a valid 3-digit code";
        case ReplyParseError::bad_separator:
            return "reply code followed by neither space, '-' nor end of line";
        case ReplyParseError::inconsistent_codes:
            return "lines of a multi-line reply carry different codes";
        case ReplyParseError::bare_line_feed:
            return "reply line ended in bare LF";
        case ReplyParseError::nul_byte:
            return "NUL byte in reply";
    }
    return "unknown reply parse error";
}

std::pair<std::string_view, std::string_view> split_enhanced_code(int code, std::string_view text) {
    auto space = text.find(' ');
    std::string_view candidate = text.substr(0, space);
    if (candidate.empty() || !is_enhanced_code(candidate) || candidate[0] - '0' != code / 100) {
        return {{}, text};
    }
    std::string_view rest =
        space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    return {candidate, rest};
}

std::size_t ReplyParser::feed(std::string_view data) {
    std::size_t consumed = 0;
    while (consumed < data.size() && error_ == ReplyParseError::none) {
        std::string_view rest = data.substr(consumed);
        const void* found = std::memchr(rest.data(), '\n', rest.size());
        if (found == nullptr) {
            if (partial_.size() + rest.size() > max_line_) {
                fail(ReplyParseError::line_too_long);
                return consumed;
            }
            partial_.append(rest);
            return data.size();
        }
        std::size_t length = static_cast<const char*>(found) - rest.data();
        consumed += length + 1;
        if (partial_.size() + length + 1 > max_line_) {
            fail(ReplyParseError::line_too_long);
            return consumed;
        }
        if (partial_.empty()) {
            parse_line(rest.substr(0, length));
        } else {
            partial_.append(rest.substr(0, length));
            std::string line = std::move(partial_);
            partial_.clear();
            parse_line(line);
        }
    }
    return consumed;
}

void ReplyParser::parse_line(std::string_view line) {
    if (line.empty() || line.back() != '\r') return fail(ReplyParseError::bare_line_feed);
    line.remove_suffix(1);
    if (line.find('\0') != std::string_view::npos) return fail(ReplyParseError::nul_byte);
    // RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39.
    if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
        !is_digit(line[2])) {
        return fail(ReplyParseError::bad_code);
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    bool last = true;
    std::string_view text;
    if (line.size() > 3) {
        if (line[3] == '-') {
            last = false;
        } else if (line[3] != ' ') {
            return fail(ReplyParseError::bad_separator);
        }
        text = line.substr(4);
    }
    if (!current_.lines.empty() && current_.code != code) {
        return fail(ReplyParseError::inconsistent_codes);
    }
    if (current_.lines.size() >= limits::reply_lines) {
        return fail(ReplyParseError::too_many_lines);
    }
    current_.code = code;
    auto [enhanced, rest] = split_enhanced_code(code, text);
    // RFC 2034 3 wants the same enhanced code on every line; servers that disagree with
    // themselves exist. The first line's code is the reply's (it is the one a human reads first
    // and the one most servers mean); a later line's own code is still stripped from its text,
    // and enhanced_mismatch records the disagreement so that it is never dropped silently.
    if (current_.lines.empty()) {
        current_.enhanced = std::string(enhanced);
    } else if (current_.enhanced != enhanced) {
        current_.enhanced_mismatch = true;
    }
    current_.lines.emplace_back(enhanced.empty() ? text : rest);
    if (last) {
        ready_.push_back(std::move(current_));
        current_ = Reply{};
    }
}

std::optional<Reply> ReplyParser::next() {
    if (ready_.empty()) return std::nullopt;
    Reply reply = std::move(ready_.front());
    ready_.pop_front();
    return reply;
}

}  // namespace relaylab::smtp
