// What of the original message a DSN returns (RFC 3461 4.3 RET, RFC 3464 2, RFC 6522 3,
// RFC 6533 3.5): the whole message as message/rfc822 when RET=FULL asked for it and it fits,
// else its header section as text/rfc822-headers; message/global and message/global-headers
// when the content is not 7-bit (8BITMIME or SMTPUTF8 mail).
//
// The copy is made fit to travel inside a MIME part: line ends become CRLF, and NUL octets
// (which no MIME transfer encoding but binary may carry, RFC 2045 2.8) become '?'. A message
// with lines over 998 octets cannot be carried whole without re-encoding it, so only its headers
// go back (and a header line that long is cut).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace relaylab::relay {

// A header section beyond this is not returned whole (it is cut at a field boundary): a DSN
// should not carry megabytes of Received: fields back to the sender.
inline constexpr std::size_t max_returned_header_octets = 256 * 1024;

enum class HeadersOnlyReason {
    none,           // the whole message is returned
    not_requested,  // RET=HDRS, or no RET (headers are the default, RFC 3461 4.3)
    no_failure,     // RET=FULL, but no recipient failed: a delay or success report returns only
                    // the headers (RFC 3461 4.3)
    too_large,      // over max_returned_bytes
    long_lines,     // a line over 998 octets (RFC 5322 2.1.1)
};
// For the human-readable part: "the message is larger than the limit for returned mail", ...
std::string_view describe(HeadersOnlyReason reason);

struct ReturnedContent {
    std::string content_type;  // message/rfc822, text/rfc822-headers, message/global(-headers)
    std::string body;          // the part's body: CRLF line ends, no line over 998 octets
    bool eight_bit = false;    // not 7-bit: needs Content-Transfer-Encoding: 8bit
    bool headers_cut = false;  // the header section was longer than could be returned
    HeadersOnlyReason headers_only = HeadersOnlyReason::none;
    bool full() const { return headers_only == HeadersOnlyReason::none; }
};

enum class ReturnRequest {
    headers,               // RET=HDRS or none
    full,                  // RET=FULL in a report with a failure
    full_without_failure,  // RET=FULL in a delay or success report
};

ReturnedContent returned_content(std::string_view message, ReturnRequest request,
                                 std::uint64_t max_returned_bytes);

}  // namespace relaylab::relay
