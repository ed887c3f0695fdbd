// MIME Content-Transfer-Encoding undone (RFC 2045 6): quoted-printable and base64 as mail clients
// decode them, tolerantly (a reader shows what it can, it does not refuse the message).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace relaylab::placement {

// RFC 2045 6.7: "=XX" octets (lower-case hex tolerated), "=" at a line end a soft line break
// (trailing whitespace before the break tolerated, as rule 3 asks of decoders); an "=" that
// starts neither is kept as it is (6.7 note 1: "the robust implementation ... includes the
// "=" character and the following character in the decoded data").
std::string decode_quoted_printable(std::string_view text, std::size_t max_output);

// RFC 2045 6.8: characters outside the alphabet are ignored; decoding stops at the padding.
std::string decode_base64_lenient(std::string_view text, std::size_t max_output);

// `encoding` is the Content-Transfer-Encoding value (any case); 7bit, 8bit, binary and unknown
// values are returned as they are (cut to `max_output`).
std::string decode_transfer_encoding(std::string_view encoding, std::string_view text,
                                     std::size_t max_output);

}  // namespace relaylab::placement
