// SMTP replies (RFC 5321 4.2) with enhanced status codes (RFC 3463): formatting for the server
// side and a strict incremental parser for the client side.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/smtp/limits.hpp"

namespace relaylab::smtp {

namespace limits {
// What the client accepts per reply line: real servers send lines over RFC 5321's 512 octets
// (long URLs in 5xx texts), and 4.5.3.1 asks to be liberal; the bound keeps one reply's memory
// at most reply_lines times this.
inline constexpr std::size_t reply_line_tolerated = 4096;
}  // namespace limits

struct Reply {
    int code = 0;
    std::string enhanced;            // "2.1.0", or empty when the server sent none
    std::vector<std::string> lines;  // text of each line, without code and enhanced code
    // The lines of a multi-line reply carried different enhanced codes (or some none): enhanced
    // is the first line's (RFC 2034 3 wants one code repeated on every line).
    bool enhanced_mismatch = false;

    int kind() const { return code / 100; }  // 2 positive, 3 intermediate, 4/5 negative
    bool positive() const { return kind() == 2; }
    bool intermediate() const { return kind() == 3; }
    bool transient() const { return kind() == 4; }
    bool permanent() const { return kind() == 5; }
    std::string text() const;  // lines joined with a space
    // "550 5.7.1 text" (first line), for logs and reports.
    std::string summary() const;
};

// A one-line reply in wire form: "250 2.0.0 Ok\r\n" (the enhanced code only when given).
void append_reply(std::string& out, int code, std::string_view enhanced, std::string_view text);
// Any reply in wire form; the enhanced code is repeated on every line (RFC 2034 3).
void append_reply(std::string& out, const Reply& reply);
std::string format_reply(const Reply& reply);

Reply make_reply(int code, std::string_view enhanced, std::string_view text);

enum class ReplyParseError {
    none,
    line_too_long,       // a line over limits::reply_line
    too_many_lines,      // a multi-line reply over limits::reply_lines
    bad_code,            // not three digits 2-5, 0-5, 0-9
    bad_separator,       // the code is followed by neither ' ', '-' nor the line end
    inconsistent_codes,  // the lines of one reply carry different codes
    bare_line_feed,      // a line ended in LF without CR
    nul_byte,            // a NUL octet in a reply line
};
std::string_view describe(ReplyParseError error);

// Feed it what the server sent; complete replies come out of next(). After an error nothing more
// is parsed (a client must close the connection: it cannot resynchronise the reply stream).
class ReplyParser {
  public:
    explicit ReplyParser(std::size_t max_line = limits::reply_line) : max_line_(max_line) {}

    // Returns the number of bytes consumed (all of them unless an error stopped parsing).
    std::size_t feed(std::string_view data);
    std::optional<Reply> next();
    bool has_reply() const { return !ready_.empty(); }
    ReplyParseError error() const { return error_; }
    // True while part of a reply is buffered (a peer that stops here left a reply unfinished).
    bool mid_reply() const { return !partial_.empty() || !current_.lines.empty(); }
    // What a peer that stopped mid-reply got through: the complete lines of the unfinished
    // reply (code and enhanced code in `current`) and the unterminated tail (evidence for probes).
    const Reply& unfinished_reply() const { return current_; }
    const std::string& unfinished_line() const { return partial_; }

  private:
    void parse_line(std::string_view line);
    void fail(ReplyParseError error) { error_ = error; }

    std::size_t max_line_;
    std::string partial_;
    Reply current_;
    std::deque<Reply> ready_;
    ReplyParseError error_ = ReplyParseError::none;
};

// Splits "5.7.1 text" into the enhanced code (when the text starts with one whose class matches
// the reply code's first digit) and the rest.
std::pair<std::string_view, std::string_view> split_enhanced_code(int code, std::string_view text);

}  // namespace relaylab::smtp
