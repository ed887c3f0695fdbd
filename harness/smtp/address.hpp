// Envelope addresses: RFC 5321 4.1.2 paths (dot-string and quoted local parts, domains, IPv4,
// IPv6 and general address literals, source routes parsed and ignored per 4.1.1.3 / C) with the
// UTF-8 extensions of RFC 6531 when SMTPUTF8 is in use.
#pragma once

#include <string>
#include <string_view>

namespace relaylab::smtp {

struct Mailbox {
    std::string local_part;  // as written, quotes included for a quoted-string
    std::string domain;      // a domain name or an address literal with its brackets
    std::string address() const { return local_part + '@' + domain; }
};

struct Path {
    bool null = false;        // "<>": the null reverse-path of bounces (RFC 5321 4.5.5)
    bool postmaster = false;  // "<Postmaster>" without a domain (RFC 5321 4.1.1.3)
    bool utf8 = false;        // contains non-ASCII (needs SMTPUTF8, RFC 6531 3.4)
    Mailbox mailbox;
    std::string address() const;  // "" for the null path, "Postmaster" for the bare form
};

enum class PathError {
    none,
    missing_brackets,     // not enclosed in < >
    bad_source_route,     // malformed A-d-l before the mailbox
    bad_local_part,       // neither a dot-string nor a quoted-string
    local_part_too_long,  // over 64 octets (4.5.3.1.1)
    missing_domain,       // no "@domain"
    bad_domain,           // not a domain name (labels of letters, digits, hyphens)
    domain_too_long,      // over 255 octets (4.5.3.1.2)
    bad_address_literal,  // [..] that is no IPv4, IPv6 or general literal
    path_too_long,        // over 256 octets (4.5.3.1.3)
    null_not_allowed,     // "<>" where a recipient is needed
    non_ascii,            // UTF-8 without SMTPUTF8
    invalid_utf8,         // non-ASCII octets that are not well-formed UTF-8 (RFC 3629 4)
};
std::string_view describe(PathError error);

struct PathOptions {
    bool allow_null = false;        // MAIL FROM:<>
    bool allow_postmaster = false;  // RCPT TO:<Postmaster>
    bool allow_utf8 = false;        // SMTPUTF8 in use
};

struct PathResult {
    Path path;
    PathError error = PathError::none;
    std::string_view rest;  // what follows the closing '>' (ESMTP parameters)
};

// Parses a path at the start of `text`; `rest` is set to what follows it.
PathResult parse_path(std::string_view text, const PathOptions& options);

bool is_valid_domain(std::string_view domain, bool allow_utf8 = false);
// Well-formed UTF-8 as RFC 3629 section 4 defines it: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no stray continuation or truncated sequence.
bool is_valid_utf8(std::string_view text);
bool is_valid_address_literal(std::string_view literal);  // with brackets

}  // namespace relaylab::smtp
