// The header section of a message (RFC 5322 2.2): where it ends, its fields unfolded, and the
// handful of fields the capture index keeps for every message. Sans-I/O; every input is
// treated as hostile (no terminating blank line, bare LF, NUL, enormous fields).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::fakemx::capture {

// RFC 5322 2.1.1: a line is at most 998 characters; a summary value longer than that is cut.
inline constexpr std::size_t max_summary_value = 998;
// Header blocks beyond this are cut where the index reads them (a message is mostly body).
inline constexpr std::size_t max_header_block = 256 * 1024;
inline constexpr std::size_t max_header_fields = 1000;

inline constexpr std::string_view tracking_header = "X-Relaylab-Id";

struct HeaderField {
    std::string name;   // as written
    std::string value;  // unfolded (RFC 5322 2.2.3), leading and trailing whitespace removed
};

struct HeaderSummary {
    std::string subject;
    std::string from;  // the From: field, not the envelope sender
    std::string to;
    std::string message_id;
    std::string date;
    std::string tracking_id;  // X-Relaylab-Id
};

// The header section including its terminating empty line, at most max_header_block bytes;
// all of `raw` when no empty line ends it within the bound (a message without a body).
std::string_view header_block(std::string_view raw);

// Fields in order, up to max_fields; lines that are no field (no colon) are skipped.
std::vector<HeaderField> parse_header_fields(std::string_view block,
                                             std::size_t max_fields = max_header_fields);

// The first occurrence of each summary field; names compare case-insensitively.
HeaderSummary summarize_headers(std::string_view raw);

}  // namespace relaylab::fakemx::capture
