// The HTML a mail client would render: the first text/html entity of a message that is not an
// attachment, found through multipart/* (mixed, alternative, related, nested), with its
// Content-Transfer-Encoding undone. Sans-I/O; bounded (nesting depth, parts, decoded size).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace relaylab::placement {

// Real mail nests three levels (mixed > related > alternative); deeper is an attack on readers.
inline constexpr int max_mime_depth = 8;
// Parts visited over the whole message, multipart containers included.
inline constexpr std::size_t max_mime_parts = 256;
// Decoded HTML kept; what lies beyond is not scanned for links.
inline constexpr std::size_t max_html_bytes = 4 * 1024 * 1024;

struct HtmlPart {
    bool found = false;
    std::string html;  // decoded, cut at max_html_bytes
};

HtmlPart find_first_html_part(std::string_view message);

}  // namespace relaylab::placement
