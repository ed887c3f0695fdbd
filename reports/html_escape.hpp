// Text from a report (scenario names, reply texts, failure reasons, host names) on its way into
// HTML: every one of them may hold markup, on purpose or not, and the page must show it as text.
// Sans-I/O, no dependencies.
#pragma once

#include <string>
#include <string_view>

namespace relaylab::reports {

// Appends `text` so that it reads as the same characters in HTML text and in a double- or
// single-quoted attribute value (SVG text inside HTML too): & < > " ' become references.
// Control characters other than tab, LF and CR are dropped (HTML forbids them and some
// viewers stop rendering at one); bytes that are not UTF-8 become U+FFFD, so a stray byte
// cannot swallow the quote or angle bracket after it in a lenient decoder.
void append_html_escaped(std::string& out, std::string_view text);
std::string html_escape(std::string_view text);

}  // namespace relaylab::reports
