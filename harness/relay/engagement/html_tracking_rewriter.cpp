#include "harness/relay/engagement/html_tracking_rewriter.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>
#include <vector>

#include "harness/relay/engagement/html_markup_rewriter.hpp"
#include "harness/relay/engagement/mime_entity.hpp"
#include "harness/relay/engagement/quoted_printable.hpp"
#include "harness/smtp/sasl.hpp"

namespace relaylab::relay {
namespace {

constexpr std::size_t base64_line = 76;  // RFC 2045 6.8

enum class Encoding { identity, quoted_printable, base64, unsupported };

Encoding encoding_of(const std::optional<std::string>& field) {
    if (!field) return Encoding::identity;
    std::string token = mime::leading_token(*field);
    if (token.empty() || token == "7bit" || token == "8bit" || token == "binary")
        return Encoding::identity;
    if (token == "quoted-printable") return Encoding::quoted_printable;
    if (token == "base64") return Encoding::base64;
    return Encoding::unsupported;  // x-uuencode and friends: not ours to re-encode
}

// The scanner reads ASCII markup; a charset whose "<" is not the octet 0x3C is left alone.
bool ascii_compatible(const std::string& charset) {
    std::string c;
    for (char ch : charset)
        c += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return !(c.starts_with("utf-16") || c.starts_with("utf-32") || c.starts_with("ucs-") ||
             c == "utf-7");
}

std::optional<std::string> base64_decode_lines(std::string_view encoded) {
    std::string compact;
    compact.reserve(encoded.size());
    for (char c : encoded) {
        if (c != '\r' && c != '\n' && c != ' ' && c != '\t') compact += c;
    }
    return smtp::base64_decode(compact);
}

std::string base64_encode_lines(std::string_view data, std::string_view newline,
                                bool final_newline) {
    std::string flat = smtp::base64_encode(data);
    std::string out;
    out.reserve(flat.size() + flat.size() / base64_line * newline.size() + newline.size());
    for (std::size_t i = 0; i < flat.size(); i += base64_line) {
        if (i > 0) out += newline;
        out += flat.substr(i, base64_line);
    }
    if (final_newline) out += newline;
    return out;
}

// RFC 2369: "<uri>, <uri>" (comments and blanks between); we only need the URIs.
std::unordered_set<std::string> list_unsubscribe_uris(std::string_view header) {
    std::unordered_set<std::string> out;
    auto value = mime::field(header, "List-Unsubscribe");
    if (!value) return out;
    std::size_t pos = 0;
    while ((pos = value->find('<', pos)) != std::string::npos) {
        std::size_t close = value->find('>', pos);
        if (close == std::string::npos) break;
        std::string uri;
        for (char c : value->substr(pos + 1, close - pos - 1)) {
            if (c != ' ' && c != '\t') uri += c;  // RFC 2369 2: folding may split a URI
        }
        out.insert(uri);
        pos = close + 1;
    }
    return out;
}

struct Edit {
    std::size_t offset;
    std::size_t size;
    std::string text;
};

class Walker {
  public:
    Walker(std::string_view message, const TrackingUrls& urls, const TrackingRewriteLimits& limits,
           std::unordered_set<std::string> keep)
        : message_(message), limits_(limits), keep_(std::move(keep)), markup_{urls, limits, keep_} {
        markup_.newline = message.find("\r\n") == std::string_view::npos ? "\n" : "\r\n";
    }

    // `offset`: of `entity` in the message.
    void entity(std::string_view entity, std::size_t offset, std::size_t depth) {
        if (failure_ != TrackingSkip::none) return;
        auto split = mime::split_entity(entity, limits_.max_header_bytes);
        if (!split) {
            // A body part with fields and no body, or a header beyond the limit: nothing HTML
            // we could see the end of.
            return;
        }
        auto type_field = mime::field(split->header, "Content-Type");
        mime::ContentType type =
            type_field ? mime::parse_content_type(*type_field) : mime::ContentType{};
        std::size_t body_offset = offset + split->body_offset;
        if (type.type == "multipart") {
            multipart(type, split->body, body_offset, depth);
        } else if (type.is("text", "html")) {
            html(split->header, type, split->body, body_offset);
        }
        // Anything else (text/plain, message/rfc822, images, applications) stays as it is.
    }

    TrackingSkip failure() const { return failure_; }
    std::size_t html_parts() const { return html_parts_; }
    bool saw_html() const { return saw_html_; }
    bool saw_unsupported() const { return saw_unsupported_; }
    bool saw_bad_base64() const { return saw_bad_base64_; }
    const MarkupContext& markup() const { return markup_; }

    std::string apply() const {
        std::string out;
        out.reserve(message_.size() + message_.size() / 4);
        std::size_t pos = 0;
        for (const auto& edit : edits_) {
            out += message_.substr(pos, edit.offset - pos);
            out += edit.text;
            pos = edit.offset + edit.size;
        }
        out += message_.substr(pos);
        return out;
    }
    bool edited() const { return !edits_.empty(); }

  private:
    void multipart(const mime::ContentType& type, std::string_view body, std::size_t offset,
                   std::size_t depth) {
        if (depth + 1 > limits_.max_mime_depth) {
            failure_ = TrackingSkip::too_deep;
            return;
        }
        std::string boundary = type.param("boundary");
        if (boundary.empty() || boundary.size() > mime::max_boundary) {
            failure_ = TrackingSkip::bad_mime;
            return;
        }
        mime::Multipart split = mime::split_multipart(
            body, boundary, limits_.max_parts - std::min(parts_, limits_.max_parts));
        if (split.parts.empty()) {
            failure_ = TrackingSkip::bad_mime;
            return;
        }
        for (const auto& part : split.parts) {
            if (++parts_ > limits_.max_parts) {
                failure_ = TrackingSkip::too_many_parts;
                return;
            }
            entity(body.substr(part.offset, part.size), offset + part.offset, depth + 1);
            if (failure_ != TrackingSkip::none) return;
        }
    }

    void html(std::string_view header, const mime::ContentType& type, std::string_view body,
              std::size_t offset) {
        // An HTML file sent as an attachment is the sender's document, not the message.
        if (auto disposition = mime::field(header, "Content-Disposition");
            disposition && mime::leading_token(*disposition) == "attachment") {
            return;
        }
        saw_html_ = true;
        Encoding encoding = encoding_of(mime::field(header, "Content-Transfer-Encoding"));
        if (encoding == Encoding::unsupported || !ascii_compatible(type.param("charset"))) {
            saw_unsupported_ = true;
            return;
        }
        bool final_newline = body.ends_with("\n");
        std::string decoded;
        switch (encoding) {
            case Encoding::identity:
                decoded = std::string(body);
                break;
            case Encoding::quoted_printable:
                decoded = qp_decode(body);
                break;
            case Encoding::base64: {
                auto bytes = base64_decode_lines(body);
                if (!bytes) {
                    saw_bad_base64_ = true;
                    return;
                }
                decoded = std::move(*bytes);
                break;
            }
            case Encoding::unsupported:
                return;
        }
        markup_.line_limited = encoding == Encoding::identity;
        std::size_t before_links = markup_.links_rewritten;
        std::size_t before_pixels = markup_.pixels;
        std::string rewritten = rewrite_html_markup(decoded, markup_);
        ++html_parts_;
        if (markup_.links_rewritten == before_links && markup_.pixels == before_pixels) return;
        std::string encoded;
        switch (encoding) {
            case Encoding::identity:
                encoded = std::move(rewritten);
                break;
            case Encoding::quoted_printable:
                encoded = qp_encode(rewritten, markup_.newline);
                break;
            case Encoding::base64:
                encoded = base64_encode_lines(rewritten, markup_.newline, final_newline);
                break;
            case Encoding::unsupported:
                return;
        }
        edits_.push_back(Edit{offset, body.size(), std::move(encoded)});
    }

    std::string_view message_;
    const TrackingRewriteLimits& limits_;
    std::unordered_set<std::string> keep_;
    MarkupContext markup_;
    std::vector<Edit> edits_;
    std::size_t parts_ = 0;
    std::size_t html_parts_ = 0;
    bool saw_html_ = false;
    bool saw_unsupported_ = false;
    bool saw_bad_base64_ = false;
    TrackingSkip failure_ = TrackingSkip::none;
};

}  // namespace

const char* to_string(TrackingSkip skip) {
    switch (skip) {
        case TrackingSkip::none:
            return "rewritten";
        case TrackingSkip::too_large:
            return "too_large";
        case TrackingSkip::no_header_end:
            return "no_header_end";
        case TrackingSkip::no_html:
            return "no_html";
        case TrackingSkip::bad_mime:
            return "bad_mime";
        case TrackingSkip::too_deep:
            return "too_deep";
        case TrackingSkip::too_many_parts:
            return "too_many_parts";
        case TrackingSkip::unsupported_encoding:
            return "unsupported_encoding";
        case TrackingSkip::bad_base64:
            return "bad_base64";
        case TrackingSkip::nothing_to_do:
            return "nothing_to_do";
    }
    return "unknown";
}

TrackingRewrite rewrite_for_tracking(std::string_view message, const TrackingUrls& urls,
                                     const TrackingRewriteLimits& limits) {
    TrackingRewrite result;
    if (message.size() > limits.max_message_bytes) {
        result.skip = TrackingSkip::too_large;
        return result;
    }
    auto top = mime::split_entity(message, limits.max_header_bytes);
    if (!top) {
        result.skip = TrackingSkip::no_header_end;
        return result;
    }
    Walker walker(message, urls, limits, list_unsubscribe_uris(top->header));
    walker.entity(message, 0, 0);
    result.html_parts = walker.html_parts();
    result.links_rewritten = walker.markup().links_rewritten;
    result.links_left = walker.markup().links_left;
    result.pixels = walker.markup().pixels;
    if (walker.failure() != TrackingSkip::none) {
        result.skip = walker.failure();
    } else if (!walker.edited()) {
        result.skip = walker.saw_bad_base64()    ? TrackingSkip::bad_base64
                      : walker.saw_unsupported() ? TrackingSkip::unsupported_encoding
                      : walker.html_parts() > 0  ? TrackingSkip::nothing_to_do
                                                 : TrackingSkip::no_html;
    } else {
        result.message = walker.apply();
    }
    if (!result.changed()) result.links_rewritten = result.pixels = 0;
    return result;
}

std::string percent_encode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool unreserved = std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += digits[u >> 4];
            out += digits[u & 0x0f];
        }
    }
    return out;
}

}  // namespace relaylab::relay
