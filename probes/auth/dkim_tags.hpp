// The tag=value lists of DKIM-Signature, DKIM key records, ARC-Seal and
// ARC-Message-Signature (RFC 6376 3.2).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::auth {

// Real signatures carry about a dozen tags; more is an attack on whoever parses them.
inline constexpr std::size_t max_tags = 64;

struct Tag {
    std::string name;
    std::string value;            // FWS inside the value kept, leading/trailing FWS removed
    std::size_t value_begin = 0;  // offsets into the parsed text: [begin, end) is the value
    std::size_t value_end = 0;
    std::size_t equals = 0;  // offset of the '='
};

struct TagList {
    std::vector<Tag> tags;
    const Tag* find(std::string_view name) const;
};

struct TagListResult {
    TagList list;
    std::string error;  // empty on success
    bool ok() const { return error.empty(); }
};

// tag-list = tag-spec *( ";" tag-spec ) [ ";" ]; a duplicate tag name is an error (3.2: "Tags
// MUST NOT be duplicated"), tag names are case-sensitive, unknown tags are kept (the caller
// ignores them).
TagListResult parse_tag_list(std::string_view text);

}  // namespace relaylab::auth
