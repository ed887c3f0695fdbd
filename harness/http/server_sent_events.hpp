// The wire format of server-sent events (WHATWG HTML, "Server-sent events", 9.2.5 and 9.2.6):
// what a text/event-stream body is made of. Sans-I/O: strings in, strings out.
#pragma once

#include <string>
#include <string_view>

namespace relaylab::http {

inline constexpr std::string_view event_stream_content_type = "text/event-stream";

// One event: "event: NAME" (omitted when empty: the browser's "message" event), "id: ID"
// (omitted when empty), one "data: " line per line of `data`, then a blank line. A line break
// in the data (CRLF, CR or LF: all three end a line in the format) starts a new "data:" line,
// which the browser joins back with LF. CR and LF in `name` and `id` would end the field early
// and are dropped.
std::string sse_event(std::string_view name, std::string_view id, std::string_view data);

// A comment (a line starting with ':'), ignored by browsers: the keep-alive ping.
std::string sse_comment(std::string_view text);

}  // namespace relaylab::http
