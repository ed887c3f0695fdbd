// SASL pieces of SMTP AUTH (RFC 4954): base64 (RFC 4648, strict), PLAIN (RFC 4616) and LOGIN.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relaylab::smtp {

std::string base64_encode(std::string_view data);
// Strict: rejects characters outside the alphabet, bad padding and non-canonical trailing bits.
std::optional<std::string> base64_decode(std::string_view text);

struct Credentials {
    std::string authzid;   // authorisation identity; usually empty
    std::string username;  // authentication identity
    std::string password;
};

// RFC 4616 2: message = [authzid] NUL authcid NUL passwd
std::optional<Credentials> parse_plain_response(std::string_view decoded);
std::string plain_initial_response(const Credentials& credentials);  // base64-encoded

}  // namespace relaylab::smtp
