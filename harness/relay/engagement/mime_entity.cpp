#include "harness/relay/engagement/mime_entity.hpp"

#include <algorithm>
#include <cctype>

namespace relaylab::relay::mime {
namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() &&
           (is_blank(text.front()) || text.front() == '\r' || text.front() == '\n'))
        text.remove_prefix(1);
    while (!text.empty() && (is_blank(text.back()) || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

// One line of `text` from `pos`: its content (without the newline) and where the next begins.
std::string_view line_at(std::string_view text, std::size_t pos, std::size_t& next) {
    std::size_t lf = text.find('\n', pos);
    std::size_t end = lf == std::string_view::npos ? text.size() : lf;
    next = lf == std::string_view::npos ? text.size() : lf + 1;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

std::optional<Split> split_entity(std::string_view entity, std::size_t max_header) {
    std::size_t pos = 0;
    while (pos <= entity.size() && pos <= max_header) {
        std::size_t next = 0;
        std::string_view line = line_at(entity, pos, next);
        if (pos == entity.size()) break;
        if (line.empty()) {
            return Split{entity.substr(0, pos), entity.substr(next), next};
        }
        pos = next;
    }
    return std::nullopt;
}

std::optional<std::string> field(std::string_view header, std::string_view name) {
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t next = 0;
        std::string_view line = line_at(header, pos, next);
        pos = next;
        std::size_t colon = line.find(':');
        if (line.empty() || is_blank(line[0]) || colon == std::string_view::npos) continue;
        if (!iequals(trim(line.substr(0, colon)), name)) continue;
        std::string value(line.substr(colon + 1));
        // RFC 5322 2.2.3: a line starting with a blank continues the field.
        while (pos < header.size() && is_blank(header[pos])) {
            std::string_view more = line_at(header, pos, next);
            pos = next;
            value += ' ';
            value += more;
        }
        return std::string(trim(value));
    }
    return std::nullopt;
}

std::string ContentType::param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

ContentType parse_content_type(std::string_view value) {
    ContentType out;
    std::size_t semicolon = value.find(';');
    std::string_view type = trim(value.substr(0, semicolon));
    std::size_t slash = type.find('/');
    if (slash == std::string_view::npos || trim(type.substr(0, slash)).empty() ||
        trim(type.substr(slash + 1)).empty()) {
        return out;  // RFC 2045 5.2: an unreadable Content-Type means text/plain
    }
    out.type = to_lower(trim(type.substr(0, slash)));
    out.subtype = to_lower(trim(type.substr(slash + 1)));
    std::size_t pos = semicolon;
    while (pos != std::string_view::npos && pos < value.size()) {
        ++pos;  // past ';'
        std::size_t equals = value.find('=', pos);
        if (equals == std::string_view::npos) break;
        std::string name = to_lower(trim(value.substr(pos, equals - pos)));
        std::size_t v = equals + 1;
        while (v < value.size() && is_blank(value[v]))
            ++v;
        std::string parameter;
        if (v < value.size() && value[v] == '"') {
            // RFC 2045 5.1 quoted-string, with RFC 5322 quoted-pairs.
            ++v;
            while (v < value.size() && value[v] != '"') {
                if (value[v] == '\\' && v + 1 < value.size()) ++v;
                parameter += value[v++];
            }
            pos = value.find(';', v);
        } else {
            pos = value.find(';', v);
            parameter = std::string(trim(
                value.substr(v, pos == std::string_view::npos ? std::string_view::npos : pos - v)));
        }
        if (!name.empty() && !out.params.contains(name)) out.params[name] = parameter;
    }
    return out;
}

std::string leading_token(std::string_view value) {
    return to_lower(trim(value.substr(0, value.find(';'))));
}

Multipart split_multipart(std::string_view body, std::string_view boundary, std::size_t max_parts) {
    Multipart out;
    const std::string dashes = "--" + std::string(boundary);
    std::optional<std::size_t> part_begin;  // after the delimiter line that opened it
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t next = 0;
        std::string_view line = line_at(body, pos, next);
        bool delimiter = false;
        bool close = false;
        if (line.starts_with(dashes)) {
            std::string_view rest = line.substr(dashes.size());
            if (rest.starts_with("--")) {
                close = true;
                rest.remove_prefix(2);
            }
            delimiter = trim(rest).empty();
        }
        if (delimiter) {
            if (part_begin) {
                // The newline before the delimiter belongs to it (RFC 2046 5.1.1).
                std::size_t end = pos;
                if (end > *part_begin && body[end - 1] == '\n') --end;
                if (end > *part_begin && body[end - 1] == '\r') --end;
                end = std::max(end, *part_begin);
                out.parts.push_back(Part{*part_begin, end - *part_begin});
                if (out.parts.size() > max_parts) return out;
            }
            if (close) {
                out.closed = true;
                return out;
            }
            part_begin = next;
        }
        pos = next;
    }
    if (part_begin && *part_begin <= body.size())
        out.parts.push_back(Part{*part_begin, body.size() - *part_begin});
    return out;
}

}  // namespace relaylab::relay::mime
