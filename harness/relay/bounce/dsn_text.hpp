// The text layer of the DSN writer (dsn.cpp): RFC 5322 dates, values made safe to put in a
// header field or a report line, and folding that keeps every line within RFC 5322 2.1.1's 998
// octets. Everything put into a DSN passes through here: the remote reply in particular is
// hostile (a CR LF in it would otherwise inject header fields or MIME boundaries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace relaylab::relay::dsn_text {

inline constexpr std::size_t max_line_octets = 998;  // RFC 5322 2.1.1 MUST, CRLF excluded
inline constexpr std::size_t fold_column = 78;       // RFC 5322 2.1.1 SHOULD
// A remote reply is kept up to this many octets (a multi-line reply joined); the rest is cut
// and marked, so a server cannot make our DSN as large as it likes.
inline constexpr std::size_t max_diagnostic_octets = 4096;
// Addresses, host names, ids: far beyond any legal value (RFC 5321 4.5.3.1.3: a path is 256).
inline constexpr std::size_t max_value_octets = 1024;
inline constexpr std::string_view cut_marker = " [...]";

// "Wed, 02 Dec 2026 06:38:25 +0000" (RFC 5322 3.3, UTC) from Unix ms: the project's one
// format (harness/log/timestamp.hpp).
std::string rfc5322_date(std::int64_t unix_ms);

// `text` made fit for one header field or report line: line breaks (any run of CR and LF)
// become one space, TAB a space, other control octets '?'. Non-ASCII octets are kept only when
// `keep_utf8` and the text is well-formed UTF-8 (else each becomes '?'). Leading and trailing
// spaces are dropped; beyond `max_octets` the text is cut (never inside a UTF-8 sequence) and
// ends in cut_marker.
std::string one_line(std::string_view text, bool keep_utf8, std::size_t max_octets);

// Appends "Name: value" CRLF, folded (CRLF before a space) near fold_column. A word longer than
// a line is split with CRLF SP, which adds a space where it is unfolded: only nonsense values
// that long are changed, and the line limit holds for any input. `value` must be one_line().
void append_field(std::string& out, std::string_view name, std::string_view value);

// Appends `text` (one_line()) as lines of prose wrapped near fold_column: the first line starts
// with `first_indent`, the others with `next_indent`; each ends in CRLF.
void append_wrapped(std::string& out, std::string_view text, std::string_view first_indent,
                    std::string_view next_indent);

// Only octets 1..127 (RFC 2045 2.7 "7bit" data also excludes NUL).
bool is_7bit(std::string_view text);

}  // namespace relaylab::relay::dsn_text
