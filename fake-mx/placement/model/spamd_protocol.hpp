// SpamAssassin's spamc/spamd protocol (SPAMC/1.5, spamd/PROTOCOL in the SpamAssassin source),
// sans-I/O: the request bytes, and a parser fed the answer's bytes as they arrive. Only what
// the fake MX needs: SYMBOLS (score, threshold and the names of the rules hit) and PING (the
// readiness check of a private spamd). The Asio client is net/spamd_client.cpp.
//
// An answer, as spamd 4.0 writes it:
//   SPAMD/1.1 0 EX_OK\r\n
//   Content-length: 55\r\n
//   Spam: True ; 1000.0 / 5.0\r\n
//   \r\n
//   GTUBE,MSGID_SHORT,NO_RECEIVED,NO_RELAYS,TVD_SPACE_RATIO
// A failure is the status line alone, then the close: "SPAMD/1.0 76 Bad header line: ...".
// PING's answer is "SPAMD/1.5 0 PONG\r\n", also without headers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::placement::spamd {

// The protocol version we speak: 1.5 is spamc's since SpamAssassin 3.x ("User" header,
// compression flags); spamd answers SYMBOLS with "SPAMD/1.1".
inline constexpr std::string_view protocol = "SPAMC/1.5";

// Limits on what spamd may send us. Its real answers are a status line of a few dozen bytes, two
// headers and a rule list well under 4 KiB; anything beyond these is not spamd.
inline constexpr std::size_t max_line_bytes = 4096;       // status and header lines
inline constexpr std::size_t max_header_count = 32;       // spamd sends 2
inline constexpr std::size_t max_body_bytes = 64 * 1024;  // the comma-separated rule names
inline constexpr double max_abs_score = 1e6;              // GTUBE is 1000; beyond: garbage

// "SYMBOLS SPAMC/1.5\r\nContent-length: N\r\n[User: U\r\n]\r\n" — the message follows as is
// (spamc sends it untouched, CRLF or LF). Returned apart so a caller can send the message
// from its own buffer without a copy.
std::string symbols_request_head(std::size_t message_bytes, std::string_view user = {});
std::string ping_request();  // "PING SPAMC/1.5\r\n\r\n"

enum class ReplyError {
    none,
    bad_status_line,      // not "SPAMD/<major>.<minor> <code> <text>"
    spamd_error,          // a non-zero code: spamd refused or failed (its text in detail)
    line_too_long,        // a status or header line above max_line_bytes
    too_many_headers,     // above max_header_count
    bad_header,           // no colon, an empty name, or Spam/Content-length twice
    bad_spam_header,      // not "Spam: True|False ; <score> / <threshold>", or bad numbers
    bad_content_length,   // not a decimal number of bytes
    missing_spam_header,  // a SYMBOLS answer without "Spam:"
    body_too_large,       // Content-length or the bytes above max_body_bytes
    bad_rule_name,        // a character a rule name cannot hold
    truncated,            // the connection ended before the answer did
    not_pong,             // a PING answered with something other than PONG
};
// A short explanation of each error, for SpamScore::error and logs.
std::string_view describe(ReplyError error);

struct Reply {
    std::string version;      // "1.1"
    int code = -1;            // 0: EX_OK; sysexits.h codes otherwise (76: EX_PROTOCOL)
    std::string status_text;  // "EX_OK", "PONG", or spamd's reason
    bool is_spam = false;     // spamd's own verdict (score >= threshold)
    double score = 0;
    double threshold = 0;
    std::vector<std::string> rules;
};

// Which request the answer belongs to: SYMBOLS has headers and a body, PING the status alone.
enum class Request { symbols, ping };

// Feed with put() as bytes arrive and call finish() at the peer's end of stream. Mirrors Beast's
// basic_parser: put() consumes what it can and says whether it needs more; after done or error
// it consumes nothing more.
class ReplyParser {
  public:
    enum class State { need_more, done, error };

    explicit ReplyParser(Request request = Request::symbols) : request_(request) {}

    // Returns the bytes consumed (all of them unless the answer ended or failed within).
    std::size_t put(std::string_view bytes);
    // The connection ended: completes an answer without Content-length, else `truncated`.
    State finish();

    State state() const { return state_; }
    ReplyError error() const { return error_; }
    std::string error_text() const;  // describe(error) plus what was seen
    const Reply& reply() const { return reply_; }

  private:
    enum class Phase { status, headers, body };

    bool take_line(std::string_view line);
    bool take_status(std::string_view line);
    bool take_header(std::string_view line);
    bool end_of_headers();
    bool complete();
    bool fail(ReplyError error, std::string detail);

    Request request_;
    Phase phase_ = Phase::status;
    State state_ = State::need_more;
    ReplyError error_ = ReplyError::none;
    std::string detail_;
    std::string line_;  // a partial line
    std::size_t header_count_ = 0;
    bool saw_spam_header_ = false;
    std::optional<std::size_t> content_length_;
    std::string body_;
    Reply reply_;
};

// "True ; 15.3 / 5.0" (the value of the Spam header) into the reply; false when malformed.
bool parse_spam_header_value(std::string_view value, Reply& reply);

// "GTUBE,NO_RECEIVED" into rule names, whitespace and empty items ignored; nullopt when an item
// holds a character outside [A-Za-z0-9_.-] (spamd's rule names are Perl identifiers).
std::optional<std::vector<std::string>> parse_rule_list(std::string_view body);

}  // namespace relaylab::placement::spamd
