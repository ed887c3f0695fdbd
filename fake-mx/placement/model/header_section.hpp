// A tolerant reader of an RFC 5322 header section (a message's, or a MIME part's), for the
// placement model's readers (List-Unsubscribe, the MIME walk to the HTML part). Unlike
// probes/auth's parse_message, which refuses a malformed section because a DKIM verdict must not
// rest on a guess, this reads what a mail client would show: a line that is not a field is
// skipped, an over-long field is cut and marked, and the scan stops at a byte limit. Sans-I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::placement {

struct HeaderReadLimits {
    // A header section beyond this is not read further (its fields are likely an attack; the
    // fields a reader wants are near the top).
    std::size_t max_section_bytes = 256 * 1024;
    // RFC 5322 2.1.1 bounds a line at 998 octets; folded fields may be longer (a DKIM-Signature
    // with a long h= reaches 2-3 KiB). Longer values are cut and marked `truncated`.
    std::size_t max_field_bytes = 16 * 1024;
    std::size_t max_fields = 1000;
};

struct HeaderFieldText {
    std::string name;   // as written, WSP before the colon removed
    std::string value;  // unfolded (RFC 5322 3.2.2), leading and trailing WSP removed
    bool truncated = false;
};

struct HeaderSection {
    std::vector<HeaderFieldText> fields;  // in order, top first
    // Offset of the body: just after the empty line, or the end of the text when there is none
    // (or when the section was cut by a limit).
    std::size_t body_offset = 0;
    bool truncated = false;                                    // a limit stopped the reading
    const HeaderFieldText* find(std::string_view name) const;  // the first, case-insensitive
};

// CRLF or bare LF line ends.
HeaderSection read_header_section(std::string_view text, const HeaderReadLimits& limits = {});

}  // namespace relaylab::placement
