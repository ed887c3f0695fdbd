// Address and name globs for behaviour conditions.
#pragma once

#include <string_view>

namespace relaylab::fakemx {

// '*' matches any run of characters, '?' exactly one; ASCII case is ignored (domains are
// case-insensitive and receivers fold local parts in practice). One backtrack point, so a
// hostile address cannot make matching slow: O(pattern x subject) at worst.
bool glob_match(std::string_view pattern, std::string_view subject);

// The part after the last '@', or "" when there is none (the null sender "<>").
std::string_view domain_of(std::string_view address);

}  // namespace relaylab::fakemx
