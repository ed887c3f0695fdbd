// Reading one MIME entity (RFC 2045, 2046) for the tracking rewriter: where its header section
// ends, a field's unfolded value, Content-Type with its parameters, and the body parts of a
// multipart. Positions, not copies, so the rewriter replaces exactly the bytes it changes.
// Sans-I/O; every loop is bounded by its input.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::relay::mime {

// RFC 2046 5.1.1: a boundary is 1 to 70 characters.
inline constexpr std::size_t max_boundary = 70;

struct Split {
    std::string_view header;      // the fields, without the empty line
    std::string_view body;        // after the empty line
    std::size_t body_offset = 0;  // of body within the entity
};

// nullopt: no empty line (CRLF CRLF or LF LF) within `max_header` octets. An entity starting
// with an empty line has no fields (a body part may).
std::optional<Split> split_entity(std::string_view entity, std::size_t max_header);

// The first field named `name` (case-insensitive), unfolded and trimmed; nullopt when absent.
std::optional<std::string> field(std::string_view header, std::string_view name);

struct ContentType {
    std::string type = "text";  // lower case; RFC 2045 5.2's default text/plain
    std::string subtype = "plain";
    std::map<std::string, std::string> params;  // names lower case, values unquoted

    bool is(std::string_view t, std::string_view s) const { return type == t && subtype == s; }
    std::string param(const std::string& name) const;  // "" when absent
};
ContentType parse_content_type(std::string_view value);

// The token before the first ";" of a field such as Content-Disposition or
// Content-Transfer-Encoding, lower case.
std::string leading_token(std::string_view value);

struct Part {
    std::size_t offset = 0;  // within the multipart body
    std::size_t size = 0;    // up to, not including, the newline before the next delimiter
};
struct Multipart {
    std::vector<Part> parts;
    bool closed = false;  // the close delimiter ("--boundary--") was there
};

// The parts between delimiter lines; a delimiter line is "--boundary", maybe "--", maybe
// blanks (RFC 2046 5.1.1's transport padding). No close delimiter: the last part runs to the
// end, as mail readers show it. Stops after max_parts + 1 parts (the caller refuses then).
Multipart split_multipart(std::string_view body, std::string_view boundary, std::size_t max_parts);

}  // namespace relaylab::relay::mime
