// List-Unsubscribe (RFC 2369) and List-Unsubscribe-Post (RFC 8058) as an ESP adds them to a
// message before signing. Sans-I/O: a message's bytes in, the same bytes with two fields on top
// out. Only the https URL is added: a mailto: to the relay would name an address the relay
// cannot take mail for (it has no local delivery), and a mailto that bounces is worse than
// none; RFC 8058 3.1 needs exactly one https URI for one-click.
//
// Folding (RFC 5322 2.2.3): RFC 2369 2 forbids whitespace inside the angle brackets, so a
// field that would pass 78 octets puts its URL on a continuation line; a URL longer than that
// line still stays whole (the hard limit is 998, RFC 5322 2.1.1).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace relaylab::relay {

inline constexpr std::size_t recommended_line_octets = 78;  // RFC 5322 2.1.1, without CRLF
inline constexpr std::size_t max_line_octets = 998;         // RFC 5322 2.1.1, without CRLF

enum class StampOutcome {
    stamped,
    several_recipients,    // the URL names one recipient: a list message is left alone
    has_list_unsubscribe,  // the sender has its own (or a List-Unsubscribe-Post of its own)
    no_header_section,     // not a message we can put a field on (no CRLF CRLF, no field)
    url_too_long,          // would need a line over 998 octets
};
std::string_view to_string(StampOutcome outcome);

// The two fields, CRLF-terminated, ready to go on top of a message.
std::string list_unsubscribe_fields(std::string_view https_url);

// Whether a field named `name` (no case) is in the header section of `message` (CRLF lines;
// the section ends at the first empty line). Reads no further than the header section.
bool has_header_field(std::string_view message, std::string_view name);

// Prepends list_unsubscribe_fields(https_url) to `message` when it has one recipient and no
// List-Unsubscribe or List-Unsubscribe-Post field; otherwise leaves it as it is.
StampOutcome stamp_list_unsubscribe(std::string& message, std::size_t recipients,
                                    std::string_view https_url);

}  // namespace relaylab::relay
