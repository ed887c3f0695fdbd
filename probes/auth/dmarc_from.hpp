// The RFC5322.From domain(s) that DMARC evaluates (RFC 7489 6.6.1), taken from the value of a
// From header field. Tolerant of real-world junk in the way receivers are: quoted strings and
// comments are skipped, each address's domain is what follows its '@'.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relaylab::auth {

inline constexpr std::size_t kMaxFromValueLength = 16384;
inline constexpr std::size_t kMaxFromAddresses = 64;
inline constexpr int kMaxCommentDepth = 16;  // RFC 5322 3.2.2 comments nest

// The domain of every address in the field, lower case, in order (duplicates kept). Several
// domains mean RFC 7489 6.6.1's multi-author case; an empty list means there is none to check.
std::vector<std::string> from_header_domains(std::string_view value);

}  // namespace relaylab::auth
