// RFC 5322 message splitting for the authentication evaluators: header fields kept byte-exact
// (DKIM "simple" canonicalisation hashes them as received) and the body after the blank line.
// Every input is hostile: counts and sizes are bounded, and a malformed header section yields
// an error string instead of a partial parse.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::auth {

// RFC 5322 2.1.1 bounds a line at 998 octets; folded fields may be longer, but a DKIM or ARC
// header beyond these limits is an attack, not mail.
inline constexpr std::size_t max_header_fields = 1000;
inline constexpr std::size_t max_header_field_bytes = 64 * 1024;
inline constexpr std::size_t max_header_section_bytes = 1024 * 1024;
inline constexpr std::size_t max_message_bytes = 64 * 1024 * 1024;

struct HeaderField {
    std::string raw;        // "Name: value" with inner CRLFs of folding, without the final CRLF
    std::size_t colon = 0;  // offset of the ':' that ends the name

    // The field name without WSP before the colon (obsolete syntax, RFC 5322 4.5).
    std::string_view name() const;
    // Everything after the colon, folding kept.
    std::string_view value() const { return std::string_view(raw).substr(colon + 1); }
};

struct ParsedMessage {
    std::vector<HeaderField> headers;  // in message order, top first
    std::string body;                  // after the blank line, CRLF line ends
};

struct MessageParseResult {
    std::optional<ParsedMessage> message;
    std::string error;  // set when message is empty
};

// Accepts CRLF or bare LF line ends (files on disk often have LF); bare LFs become CRLF, as
// dkimpy and OpenDKIM do, so both forms of one message canonicalise alike. A leading mbox
// "From " line is skipped.
MessageParseResult parse_message(std::string_view bytes);

// RFC 5322 3.2.2 unfolding: every CRLF that precedes WSP is removed.
std::string unfold(std::string_view value);

// Leading and trailing SP/HTAB/CR/LF removed.
std::string_view trim_wsp(std::string_view text);

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);

}  // namespace relaylab::auth
