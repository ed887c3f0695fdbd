#include "probes/auth/dkim_tags.hpp"

#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {
namespace {

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_fws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// VALCHAR = %x21-3A / %x3C-7E; octets above 0x7e are let through for internationalised
// identities (RFC 8616) rather than rejecting the whole signature.
bool is_valchar(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= 0x21 && u <= 0x7e && c != ';') || u >= 0x80;
}

}  // namespace

const Tag* TagList::find(std::string_view name) const {
    for (const Tag& tag : tags)
        if (tag.name == name) return &tag;
    return nullptr;
}

TagListResult parse_tag_list(std::string_view text) {
    TagListResult result;
    std::size_t pos = 0;
    auto skip_fws = [&] {
        while (pos < text.size() && is_fws(text[pos]))
            ++pos;
    };
    while (true) {
        skip_fws();
        if (pos >= text.size()) break;  // empty list, or a trailing ';'
        std::size_t name_begin = pos;
        if (!is_alpha(text[pos])) {
            result.error = "tag name must start with a letter at offset " + std::to_string(pos);
            return result;
        }
        while (pos < text.size() &&
               (is_alpha(text[pos]) || is_digit(text[pos]) || text[pos] == '_'))
            ++pos;
        std::string name(text.substr(name_begin, pos - name_begin));
        skip_fws();
        if (pos >= text.size() || text[pos] != '=') {
            result.error = "tag '" + name + "' has no '='";
            return result;
        }
        std::size_t equals = pos++;
        skip_fws();
        std::size_t value_begin = pos;
        std::size_t value_end = pos;
        while (pos < text.size() && text[pos] != ';') {
            if (is_fws(text[pos])) {
                ++pos;
                continue;
            }
            if (!is_valchar(text[pos])) {
                result.error = "tag '" + name + "' has an invalid character in its value";
                return result;
            }
            ++pos;
            value_end = pos;
        }
        if (result.list.find(name) != nullptr) {
            result.error = "tag '" + name + "' appears twice (RFC 6376 3.2)";
            return result;
        }
        if (result.list.tags.size() == max_tags) {
            result.error = "more than " + std::to_string(max_tags) + " tags";
            return result;
        }
        result.list.tags.push_back(
            Tag{name, std::string(text.substr(value_begin, value_end - value_begin)), value_begin,
                value_end, equals});
        if (pos >= text.size()) break;
        ++pos;  // ';'
    }
    return result;
}

}  // namespace relaylab::auth
