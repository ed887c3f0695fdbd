// The heart of open and click tracking, sans-I/O: given a message as submitted and the URLs to
// put in it, the message with every HTML part rewritten, or "unchanged" with the reason.
//
// The MIME walk takes a single-part text/html message and multipart/* (nested, bounded by
// depth and part count). Each text/html part that is not an attachment is decoded (7bit, 8bit,
// binary, quoted-printable, base64), its <a href="http(s)://..."> values (quoted or not, any
// case) replaced by click URLs and a 1x1 pixel added before </body> (or at its end), then
// encoded again the same way. Everything else stays byte for byte: header fields, boundaries,
// text/plain parts (a text part has no markup to hide a pixel in and its links are plain text
// a reader copies, so it is left alone as most ESPs do), attachments, attached messages
// (message/rfc822), 8-bit and UTF-8 text outside the edits. Left alone too: mailto:, #anchors,
// relative links, URLs with blanks or controls, over-long URLs, and the message's own
// List-Unsubscribe URLs (a recipient's unsubscribe must not depend on the tracking endpoint).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace relaylab::relay {

struct TrackingRewriteLimits {
    std::size_t max_message_bytes = 10 * 1024 * 1024;  // larger: unchanged (too_large)
    std::size_t max_mime_depth = 16;            // multipart inside multipart ...; deeper: unchanged
    std::size_t max_parts = 256;                // body parts over the whole message
    std::size_t max_url_bytes = 2048;           // a longer href is left as it is
    std::size_t max_links = 500;                // links rewritten per message; later ones are left
    std::size_t max_header_bytes = 256 * 1024;  // one entity's header section
};

struct TrackingUrls {
    // The pixel's URL; empty function: no pixel (open tracking off).
    std::function<std::string()> pixel;
    // The click URL for an original URL (entity-decoded, as a browser would follow it);
    // empty function: links are left alone (click tracking off).
    std::function<std::string(std::string_view original)> click;
};

// Why a message was left as it is; to_string gives the key the tracking stats count under.
enum class TrackingSkip {
    none,                  // rewritten
    too_large,             // over max_message_bytes
    no_header_end,         // no empty line ends the header section
    no_html,               // no text/html part to rewrite (plain text, or HTML only as attachment)
    bad_mime,              // a multipart without its boundary parameter or any delimiter line
    too_deep,              // multipart nesting over max_mime_depth
    too_many_parts,        // over max_parts body parts
    unsupported_encoding,  // every HTML part has an encoding or charset we do not rewrite
    bad_base64,            // an HTML part's base64 does not decode
    nothing_to_do,         // HTML parts, but no link to rewrite and no pixel asked for
};
const char* to_string(TrackingSkip skip);

struct TrackingRewrite {
    TrackingSkip skip = TrackingSkip::none;
    std::string message;         // the rewritten message when skip == none; empty otherwise
    std::size_t html_parts = 0;  // text/html parts rewritten
    std::size_t links_rewritten = 0;
    std::size_t links_left = 0;  // http(s) links left alone (unsubscribe, limits, line length)
    std::size_t pixels = 0;

    bool changed() const { return skip == TrackingSkip::none; }
};

TrackingRewrite rewrite_for_tracking(std::string_view message, const TrackingUrls& urls,
                                     const TrackingRewriteLimits& limits = {});

// For the click URL's ?u=: every octet but RFC 3986 2.3's unreserved ones as %XX.
std::string percent_encode(std::string_view text);

}  // namespace relaylab::relay
