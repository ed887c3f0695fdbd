// DKIM canonicalisation (RFC 6376 3.4), shared by DKIM and ARC.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {

enum class Canon { simple, relaxed };

std::string_view canon_name(Canon canon);
// "simple", "relaxed"; nullopt otherwise.
std::optional<Canon> parse_canon(std::string_view text);

// One header field as it enters the hash, "name:value\r\n" (3.4.1 simple, 3.4.2 relaxed).
std::string canon_header(Canon canon, std::string_view raw_field);

// The whole body (3.4.3 simple, 3.4.4 relaxed, with the RFC 6376 erratum 3133 reading for an
// empty body: simple yields CRLF, relaxed yields nothing).
std::string canon_body(Canon canon, std::string_view body);

// RFC 6376 5.4.2: for each name in `names`, the last not yet used instance of that field,
// walking upwards; a name with no instance left selects nothing (over-signing).
std::vector<const HeaderField*> select_headers(const std::vector<HeaderField>& headers,
                                               const std::vector<std::string>& names);

}  // namespace relaylab::auth
