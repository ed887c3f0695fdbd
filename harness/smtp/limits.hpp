// Size limits of RFC 5321 4.5.3.1 and friends, as named constants. Octet counts include the
// terminating CRLF unless a comment says otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace relaylab::smtp::limits {

inline constexpr std::size_t local_part = 64;       // 4.5.3.1.1
inline constexpr std::size_t domain = 255;          // 4.5.3.1.2
inline constexpr std::size_t path = 256;            // 4.5.3.1.3, including the brackets
inline constexpr std::size_t command_line = 512;    // 4.5.3.1.4
inline constexpr std::size_t reply_line = 512;      // 4.5.3.1.5
inline constexpr std::size_t text_line = 1000;      // 4.5.3.1.6
inline constexpr std::size_t min_recipients = 100;  // 4.5.3.1.8: a server must take at least this
inline constexpr std::size_t auth_line = 12288;     // RFC 4954 4: AUTH lines may be this long
inline constexpr std::size_t reply_lines = 128;     // lines of one multi-line reply we accept
inline constexpr std::size_t xtext_value = 100;     // RFC 3461 4.4: ENVID at most 100 octets
inline constexpr std::uint64_t default_message_size = 50ull * 1024 * 1024;
// What one connection may hold of a message's content, whatever SIZE says (SIZE may be 0, no
// limit): past it the message is refused 552 5.3.4 after its data and nothing more is kept.
inline constexpr std::uint64_t default_storage_cap = 64ull * 1024 * 1024;
// Content handed to the shell at a time (a body chunk); input is decoded in slices of this size,
// so a chunk holds at most twice as much (every bare LF normalised to CRLF).
inline constexpr std::size_t body_chunk = 64 * 1024;
inline constexpr std::size_t default_recipients = 1000;
inline constexpr std::size_t default_error_limit = 10;  // bad commands before 421 (cf. Postfix)

}  // namespace relaylab::smtp::limits
