// The images and links of a message's HTML, as a mail client would find them: the first
// text/html part (single part or inside multipart/*), its transfer encoding (7bit, 8bit,
// quoted-printable, base64) undone, then <img src> and <a href> values with their entities
// decoded. Only http: and https: URLs are kept. Sans-I/O; bounded (MIME depth, part count,
// URL length, number of URLs).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::placement {

struct HtmlLinks {
    bool has_html = false;
    std::vector<std::string> images;  // <img src>, in document order, duplicates removed
    std::vector<std::string> links;   // <a href>, in document order, duplicates removed
};

HtmlLinks find_html_links(std::string_view message, std::size_t max_urls = 100);

}  // namespace relaylab::placement
