// The pieces every generated message is made of, shared by TemplateMessageFactory (`relaylab
// send`) and ScenarioMessageFactory (scenario traffic): placeholder expansion, tracking ids,
// the header fields receivers tie arrivals with, and filler text that makes a message exactly
// the size asked for. Sans-I/O, pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::load {

// RFC 5322 2.1.1: a line is at most 998 characters before its CRLF.
constexpr std::size_t max_header_line_octets = 998;
// Filler lines have 76 characters: under RFC 5322 2.1.1's advice of 78.
constexpr std::size_t filler_line_chars = 76;

// The values the placeholders of an address, subject, body or header template stand for.
struct Placeholders {
    std::uint64_t n = 0;             // {n}: the message number
    std::uint64_t r = 0;             // {r}: the recipient's index (from 1); 0: left as is
    std::optional<std::uint64_t> i;  // {i}: a mailbox number; none: left as is
};
std::string expand_placeholders(std::string_view text, const Placeholders& values);

// "<run_id>-<n>": the X-Relaylab-Id of message n (also in its Message-ID).
std::string make_tracking_id(std::string_view run_id, std::uint64_t n);

struct CommonHeaders {
    std::string_view from;
    const std::vector<std::string>* recipients = nullptr;
    std::string_view subject;
    std::string_view date;  // RFC 5322 3.3 date-time
    std::string_view tracking_id;
};
// From, To (one recipient a line, folded, so no line grows past 998 octets whatever the
// count), Subject, Date, Message-ID (<tracking id@relaylab.test>) and X-Relaylab-Id, each line
// ending in CRLF. The caller adds its own fields, MIME-Version and the empty line.
void append_common_headers(std::string& out, const CommonHeaders& fields);

// Appends exactly `octets` of filler text: CRLF-terminated lines of at most 78 characters
// that no dot-stuffing changes. One octet cannot be a line: for octets == 1 it appends nothing
// and returns false (the caller finds the octet a place, e.g. folding white space in a header).
bool append_filler(std::string& out, std::size_t octets);

// RFC 2045 6.7 rule 5: encoded lines of at most 76 characters (a soft break's '=' included).
constexpr std::size_t quoted_printable_line_chars = 76;

// True when `text` can go as Content-Transfer-Encoding 7bit (RFC 2045 2.7): octets 1 to 127, CR
// and LF only as CRLF pairs, lines of at most 998 octets.
bool is_7bit_text(std::string_view text);
// Quoted-printable (RFC 2045 6.7) of text whose line breaks are CRLF: those stay line breaks,
// '=' and octets outside 33..126 become =XX, a space or tab before a line end is encoded
// (transports may strip trailing white space), long lines get soft breaks. The result is
// 7-bit, ends in CRLF unless empty, and has no line over 76 characters.
std::string encode_quoted_printable(std::string_view text);

// Where a message whose body is one octet short puts it: a second space after "MIME-Version:"
// at `mime_version_at` (folding white space, RFC 5322 3.2.2), which changes no meaning.
void widen_mime_version(std::string& message, std::size_t mime_version_at);

}  // namespace relaylab::load
