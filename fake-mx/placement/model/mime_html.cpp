#include "fake-mx/placement/model/mime_html.hpp"

#include <vector>

#include "fake-mx/placement/model/header_section.hpp"
#include "fake-mx/placement/model/transfer_encoding.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::placement {
namespace {

struct ContentType {
    std::string type;  // "text/html", lower case; RFC 2045 5.2: text/plain when absent
    std::string boundary;
};

// type/subtype *(";" attribute "=" (token / quoted-string)) of RFC 2045 5.1. Parameters other
// than boundary are not needed here (the charset does not change an ASCII URL).
ContentType parse_content_type(const HeaderFieldText* field) {
    ContentType result{"text/plain", ""};
    if (field == nullptr) return result;
    std::string_view value = field->value;
    std::size_t semicolon = value.find(';');
    std::string type = auth::to_lower(auth::trim_wsp(value.substr(0, semicolon)));
    if (type.find('/') != std::string::npos) result.type = std::move(type);
    std::size_t i = semicolon;
    while (i != std::string_view::npos && i < value.size()) {
        ++i;  // past ';'
        std::size_t equals = value.find('=', i);
        if (equals == std::string_view::npos) break;
        std::string_view name = auth::trim_wsp(value.substr(i, equals - i));
        std::size_t j = equals + 1;
        while (j < value.size() && (value[j] == ' ' || value[j] == '\t'))
            ++j;
        std::string parameter;
        if (j < value.size() && value[j] == '"') {
            for (++j; j < value.size() && value[j] != '"'; ++j) {
                if (value[j] == '\\' && j + 1 < value.size()) ++j;
                parameter.push_back(value[j]);
            }
            i = value.find(';', j);
        } else {
            std::size_t end = value.find(';', j);
            parameter = std::string(auth::trim_wsp(value.substr(j, end - j)));
            i = end;
        }
        if (auth::iequals(name, "boundary") && result.boundary.empty()) {
            result.boundary = std::move(parameter);
        }
    }
    return result;
}

// The body parts between "--boundary" delimiter lines (RFC 2046 5.1.1): the preamble and
// epilogue dropped, the line break before each delimiter belonging to the delimiter. A missing
// close delimiter ends the last part at the end of the body, as clients read it.
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary,
                                              std::size_t max_parts) {
    std::vector<std::string_view> parts;
    std::string dash_boundary = "--" + std::string(boundary);
    std::size_t part_begin = std::string_view::npos;
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t lf = body.find('\n', pos);
        std::size_t next = lf == std::string_view::npos ? body.size() : lf + 1;
        std::string_view line = body.substr(pos, next - pos);
        if (line.starts_with(dash_boundary)) {
            std::string_view rest = auth::trim_wsp(line.substr(dash_boundary.size()));
            bool close = rest == "--";
            if (rest.empty() || close) {
                if (part_begin != std::string_view::npos) {
                    std::size_t end = pos;
                    if (end > part_begin && body[end - 1] == '\n') --end;
                    if (end > part_begin && body[end - 1] == '\r') --end;
                    parts.push_back(body.substr(part_begin, end - part_begin));
                    if (parts.size() == max_parts) return parts;
                }
                if (close) return parts;
                part_begin = next;
            }
        }
        pos = next;
    }
    if (part_begin != std::string_view::npos && part_begin < body.size()) {
        parts.push_back(body.substr(part_begin));
    }
    return parts;
}

bool is_attachment(const HeaderSection& section) {
    const HeaderFieldText* disposition = section.find("Content-Disposition");
    if (disposition == nullptr) return false;
    std::string_view value = disposition->value;
    return auth::iequals(auth::trim_wsp(value.substr(0, value.find(';'))), "attachment");
}

struct Walk {
    std::size_t parts_seen = 0;
    HtmlPart found;

    // True when the HTML is found (the walk stops).
    bool visit(std::string_view entity, int depth) {
        if (++parts_seen > max_mime_parts) return false;
        HeaderSection section = read_header_section(entity);
        ContentType type = parse_content_type(section.find("Content-Type"));
        std::string_view body = entity.substr(section.body_offset);
        if (type.type.starts_with("multipart/")) {
            if (type.boundary.empty() || depth >= max_mime_depth) return false;
            for (std::string_view part : split_multipart(body, type.boundary, max_mime_parts)) {
                if (parts_seen >= max_mime_parts) return false;
                if (visit(part, depth + 1)) return true;
            }
            return false;
        }
        if (type.type != "text/html" || is_attachment(section)) return false;
        const HeaderFieldText* encoding = section.find("Content-Transfer-Encoding");
        found.found = true;
        found.html = decode_transfer_encoding(encoding ? std::string_view(encoding->value) : "",
                                              body, max_html_bytes);
        return true;
    }
};

}  // namespace

HtmlPart find_first_html_part(std::string_view message) {
    Walk walk;
    walk.visit(message, 0);
    return std::move(walk.found);
}

}  // namespace relaylab::placement
