#include "harness/relay/bounce/returned_content.hpp"

#include <algorithm>

#include "harness/relay/bounce/dsn_text.hpp"

namespace relaylab::relay {
namespace {

struct Copy {
    std::string text;
    std::size_t longest_line = 0;  // octets, CRLF excluded
};

// The message with CRLF line ends (a bare CR or LF becomes CRLF) and no NUL.
Copy normalised(std::string_view in) {
    Copy out;
    out.text.reserve(in.size() + in.size() / 64);
    std::size_t line = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
            out.text += "\r\n";
            out.longest_line = std::max(out.longest_line, line);
            line = 0;
            continue;
        }
        out.text += c == '\0' ? '?' : c;
        ++line;
    }
    out.longest_line = std::max(out.longest_line, line);
    if (!out.text.empty() && line > 0) out.text += "\r\n";  // a part's body ends in a line end
    return out;
}

// The header section (without the blank line that ends it), at most `limit` octets of it, cut
// after a complete field; lines over 998 octets are cut.
std::string header_section(std::string_view message, std::size_t limit, bool& cut) {
    std::string out;
    std::size_t field_end = 0;  // out.size() after the last complete field
    std::size_t pos = 0;
    cut = false;
    while (pos < message.size()) {
        std::size_t eol = message.find_first_of("\r\n", pos);
        std::size_t next = eol;
        if (eol == std::string_view::npos) {
            eol = next = message.size();
        } else {
            next =
                eol + (message[eol] == '\r' && eol + 1 < message.size() && message[eol + 1] == '\n'
                           ? 2
                           : 1);
        }
        std::string_view line = message.substr(pos, eol - pos);
        if (line.empty()) break;  // the blank line: the body follows
        const bool continuation = line.front() == ' ' || line.front() == '\t';
        if (!continuation) field_end = out.size();
        if (line.size() > dsn_text::max_line_octets) {
            line = line.substr(0, dsn_text::max_line_octets);
            cut = true;
        }
        if (out.size() + line.size() + 2 > limit) {
            out.resize(field_end);
            cut = true;
            break;
        }
        for (char c : line)
            out += c == '\0' ? '?' : c;
        out += "\r\n";
        pos = next;
    }
    return out;
}

}  // namespace

std::string_view describe(HeadersOnlyReason reason) {
    switch (reason) {
        case HeadersOnlyReason::none:
            return "the whole message is returned";
        case HeadersOnlyReason::not_requested:
            return "only the headers are returned (RET=HDRS, or no RET: the default)";
        case HeadersOnlyReason::no_failure:
            return "a report without a failure carries the headers only";
        case HeadersOnlyReason::too_large:
            return "the message is larger than the limit for returned mail";
        case HeadersOnlyReason::long_lines:
            return "the message has lines longer than 998 octets, which cannot be returned as "
                   "they are";
    }
    return "unknown";
}

ReturnedContent returned_content(std::string_view message, ReturnRequest request,
                                 std::uint64_t max_returned_bytes) {
    ReturnedContent out;
    if (request == ReturnRequest::headers) {
        out.headers_only = HeadersOnlyReason::not_requested;
    } else if (request == ReturnRequest::full_without_failure) {
        out.headers_only = HeadersOnlyReason::no_failure;
    } else if (message.size() > max_returned_bytes) {
        out.headers_only = HeadersOnlyReason::too_large;
    } else {
        Copy copy = normalised(message);
        if (copy.longest_line > dsn_text::max_line_octets) {
            out.headers_only = HeadersOnlyReason::long_lines;
        } else {
            out.eight_bit = !dsn_text::is_7bit(copy.text);
            out.content_type = out.eight_bit ? "message/global" : "message/rfc822";
            out.body = std::move(copy.text);
            return out;
        }
    }
    const std::size_t limit = static_cast<std::size_t>(
        std::min<std::uint64_t>(max_returned_bytes, max_returned_header_octets));
    out.body = header_section(message, limit, out.headers_cut);
    out.eight_bit = !dsn_text::is_7bit(out.body);
    out.content_type = out.eight_bit ? "message/global-headers" : "text/rfc822-headers";
    return out;
}

}  // namespace relaylab::relay
