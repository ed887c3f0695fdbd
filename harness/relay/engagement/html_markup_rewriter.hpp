// The markup half of tracking (html_tracking_rewriter.hpp walks the MIME): in one decoded HTML
// document, the href of every <a> that is an http(s) URL becomes a click URL, and a 1x1 pixel
// goes before </body> (or at the end). The rest of the text is copied as it is, so 8-bit and
// UTF-8 text passes through byte for byte. Comments, <script> and <style> are skipped, as a
// browser's tokenizer would. Sans-I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

#include "harness/relay/engagement/html_tracking_rewriter.hpp"

namespace relaylab::relay {

// RFC 5322 2.1.1: at most 998 characters in a line of a 7bit or 8bit body.
inline constexpr std::size_t max_mail_line = 998;

struct MarkupContext {
    const TrackingUrls& urls;
    const TrackingRewriteLimits& limits;
    const std::unordered_set<std::string>& keep_urls;  // the List-Unsubscribe URIs
    // Set for 7bit/8bit parts: a line may not grow past max_mail_line, so a long tag is broken
    // before its href value (HTML allows a newline there), or the link is left as it is.
    bool line_limited = false;
    std::string_view newline = "\r\n";
    std::size_t links_rewritten = 0;  // over the message (max_links counts them all)
    std::size_t links_left = 0;
    std::size_t pixels = 0;
};

std::string rewrite_html_markup(std::string_view html, MarkupContext& context);

// The pixel as it is inserted: <img src="URL" width="1" height="1" alt="" style="display:none">
std::string tracking_pixel_tag(std::string_view url);

}  // namespace relaylab::relay
