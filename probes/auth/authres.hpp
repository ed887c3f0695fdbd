// Authentication-Results (RFC 8601): the model, a writer and a parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::auth {

// A header with more results than this is not from a real receiver.
inline constexpr std::size_t max_authres_results = 64;
inline constexpr std::size_t max_authres_properties = 32;  // per result
inline constexpr std::size_t max_comment_depth = 8;        // RFC 5322 comments nest

struct AuthResProperty {
    std::string ptype;     // "smtp", "header", "body", "policy" (lower-case)
    std::string property;  // "mailfrom", "d", ... (lower-case)
    std::string value;
    std::string comment;  // a comment after the value, without parentheses
};

struct AuthResResult {
    std::string method;  // "spf", "dkim", ... (lower-case)
    std::optional<std::string> method_version;
    std::string result;   // "pass", ... (lower-case)
    std::string comment;  // result comment, without parentheses
    std::optional<std::string> reason;
    std::vector<AuthResProperty> properties;
};

struct AuthenticationResults {
    std::string authserv_id;
    std::optional<unsigned> version;
    std::vector<AuthResResult> results;  // empty: "none"
    std::string none_comment;            // comment after "none"
};

// The field value (without "Authentication-Results:"), unfolded on one line.
std::string format_authentication_results(const AuthenticationResults& header,
                                          bool with_comments = true);
// "Authentication-Results: <value>\r\n"
std::string format_authentication_results_field(const AuthenticationResults& header);

struct AuthResParseResult {
    std::optional<AuthenticationResults> header;
    std::string error;  // "expected '=' at offset 42 ..."
};

// Parses a field value (folding allowed). Follows RFC 8601 2.2 with two leniencies seen in
// real mail and in python-authres: a trailing ';' is accepted, and a "name=value" with no
// ptype after a result is skipped.
AuthResParseResult parse_authentication_results(std::string_view value);

// The raw text of each resinfo of a field value, split at top-level ';' (outside comments and
// quoted strings) and trimmed; element 0 is the authserv-id part. ARC uses this to copy
// results into ARC-Authentication-Results byte for byte (RFC 8617 4.1.1).
std::vector<std::string> split_authres_raw(std::string_view value);

}  // namespace relaylab::auth
