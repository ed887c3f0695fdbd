// Quoted-printable (RFC 2045 6.7) for the tracking rewriter: decode an HTML part, rewrite it,
// encode it again. Sans-I/O. The decoder is lenient as RFC 2045 6.7 (note 1) asks of readers:
// a malformed "=" sequence is kept as it stands. The encoder writes lines of at most 76
// characters, soft line breaks ("=" at the end) inside long lines, and hard line breaks where
// the text has `newline`.
#pragma once

#include <string>
#include <string_view>

namespace relaylab::relay {

inline constexpr std::size_t qp_max_line = 76;  // RFC 2045 6.7 rule 5, the "=" included

// `newline` ("\r\n" or "\n"): how the encoded lines end, for soft breaks too ("=\r\n" and
// "=\n" are both understood).
std::string qp_decode(std::string_view encoded);
std::string qp_encode(std::string_view text, std::string_view newline);

}  // namespace relaylab::relay
