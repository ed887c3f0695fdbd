// UTF-8 well-formedness for the escapers (html_escape.cpp, xml_escape.cpp): report text comes
// from peers and files, so any byte may turn up, and both writers must agree on what a
// character is before deciding how to write it. Sans-I/O, no dependencies.
#pragma once

#include <cstddef>
#include <string_view>

namespace relaylab::reports {

// U+FFFD, what both escapers write in place of a byte that starts no well-formed sequence.
inline constexpr std::string_view utf8_replacement_character = "\xEF\xBF\xBD";

// The length (2 to 4) of the well-formed UTF-8 sequence starting at text[i], or 0 when there is
// none there (an ASCII byte, a stray continuation byte, an overlong form, a surrogate, a code
// point above U+10FFFF or a sequence cut short by the end of text): RFC 3629 section 4.
// Precondition: i < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// The escapers' one walk over text: on_ascii(c) for each byte below 0x80, on_character(bytes)
// for each well-formed multi-byte sequence, and on_character(utf8_replacement_character) for
// each byte that starts none (so a stray byte cannot join the quote or bracket after it).
template <typename OnAscii, typename OnCharacter>
void for_each_utf8(std::string_view text, OnAscii on_ascii, OnCharacter on_character) {
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            on_ascii(c);
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            on_character(utf8_replacement_character);
            ++i;
            continue;
        }
        on_character(text.substr(i, length));
        i += length;
    }
}

}  // namespace relaylab::reports
