// Base64 as DKIM writes it (RFC 6376 2.7 base64string): whitespace (FWS) may appear anywhere
// and is ignored; anything else outside the alphabet, or bad padding, is an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relaylab::auth {

std::string base64_encode(std::string_view bytes);

// nullopt on a character outside the alphabet, padding before the end, more than two '=' or a
// length (whitespace removed) that is not a multiple of four.
std::optional<std::string> base64_decode(std::string_view text);

// The text with SP, HTAB, CR and LF removed.
std::string strip_fws(std::string_view text);

}  // namespace relaylab::auth
