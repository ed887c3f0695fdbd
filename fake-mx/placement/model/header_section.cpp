#include "fake-mx/placement/model/header_section.hpp"

#include "probes/auth/message_headers.hpp"

namespace relaylab::placement {
namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

struct Line {
    std::string_view text;  // without its CR LF or LF
    std::size_t next = 0;   // offset of the following line
};

Line line_at(std::string_view text, std::size_t pos) {
    std::size_t lf = text.find('\n', pos);
    std::size_t end = lf == std::string_view::npos ? text.size() : lf;
    std::size_t next = lf == std::string_view::npos ? text.size() : lf + 1;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return {line, next};
}

// Appends a physical line to a field's value: RFC 5322 3.2.2 unfolding removes only the line
// break, so the continuation's leading WSP stays.
void append_capped(HeaderFieldText& field, std::string_view part, std::size_t max_bytes) {
    if (field.truncated) return;
    if (field.value.size() + part.size() > max_bytes) {
        part = part.substr(0, max_bytes - field.value.size());
        field.truncated = true;
    }
    field.value.append(part);
}

void finish(HeaderFieldText& field) {
    field.value = std::string(auth::trim_wsp(field.value));
}

}  // namespace

const HeaderFieldText* HeaderSection::find(std::string_view name) const {
    for (const auto& field : fields)
        if (auth::iequals(field.name, name)) return &field;
    return nullptr;
}

HeaderSection read_header_section(std::string_view text, const HeaderReadLimits& limits) {
    HeaderSection section;
    std::size_t pos = 0;
    bool in_field = false;  // a continuation line belongs to the last field
    while (pos < text.size()) {
        if (pos >= limits.max_section_bytes) {
            section.truncated = true;
            break;
        }
        Line line = line_at(text, pos);
        if (line.text.empty()) {
            pos = line.next;
            section.body_offset = pos;
            if (in_field) finish(section.fields.back());
            return section;
        }
        if (is_wsp(line.text.front())) {
            if (in_field) append_capped(section.fields.back(), line.text, limits.max_field_bytes);
        } else {
            if (in_field) finish(section.fields.back());
            in_field = false;
            std::size_t colon = line.text.find(':');
            std::string_view name =
                colon == std::string_view::npos ? std::string_view() : line.text.substr(0, colon);
            while (!name.empty() && is_wsp(name.back()))
                name.remove_suffix(1);
            // Not "name:" (an mbox "From " line, garbage): skipped, as mail clients do.
            if (!name.empty() && name.find_first_of(" \t") == std::string_view::npos) {
                if (section.fields.size() == limits.max_fields) {
                    section.truncated = true;
                    break;
                }
                section.fields.push_back(HeaderFieldText{std::string(name), {}, false});
                append_capped(section.fields.back(), line.text.substr(colon + 1),
                              limits.max_field_bytes);
                in_field = true;
            }
        }
        pos = line.next;
    }
    if (in_field) finish(section.fields.back());
    section.body_offset = text.size();
    return section;
}

}  // namespace relaylab::placement
