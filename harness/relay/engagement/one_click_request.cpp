#include "harness/relay/engagement/one_click_request.hpp"

#include <variant>

#include "harness/http/query_params.hpp"
#include "probes/auth/message_headers.hpp"
#include "reports/html_escape.hpp"

namespace relaylab::relay {

namespace {

constexpr std::string_view allowed_methods = "GET, HEAD, POST";
constexpr std::string_view one_click_key = "List-Unsubscribe";
constexpr std::string_view one_click_value = "One-Click";

http::HttpResponse plain(unsigned status, std::string body) {
    http::HttpResponse response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::move(body);
    return response;
}

// The media type without parameters, lower-cased: "multipart/form-data".
std::string media_type(std::string_view content_type) {
    return auth::to_lower(auth::trim_wsp(content_type.substr(0, content_type.find(';'))));
}

// A parameter of a Content-Type or Content-Disposition value ("boundary", "name"), unquoted.
std::string parameter(std::string_view value, std::string_view name) {
    std::size_t position = value.find(';');
    while (position != std::string_view::npos) {
        std::string_view rest = value.substr(position + 1);
        std::size_t next = rest.find(';');
        // A quoted value may hold ';' (RFC 2045 5.1): end at the closing quote instead.
        std::string_view item = auth::trim_wsp(rest.substr(0, next));
        auto equals = item.find('=');
        if (equals != std::string_view::npos &&
            auth::iequals(auth::trim_wsp(item.substr(0, equals)), name)) {
            std::string_view text = auth::trim_wsp(rest.substr(rest.find('=') + 1));
            if (!text.empty() && text.front() == '"') {
                auto close = text.find('"', 1);
                return std::string(text.substr(
                    1, close == std::string_view::npos ? std::string_view::npos : close - 1));
            }
            return std::string(auth::trim_wsp(text.substr(0, text.find(';'))));
        }
        position = next == std::string_view::npos ? next : position + 1 + next;
    }
    return {};
}

bool urlencoded_one_click(std::string_view body) {
    auto parsed = http::parse_target("/?" + std::string(body));
    const auto* target = std::get_if<http::Target>(&parsed);
    if (target == nullptr) return false;
    auto it = target->params.find(one_click_key);
    return it != target->params.end() && it->second == one_click_value;
}

// RFC 7578: parts between "--boundary" lines; the one named List-Unsubscribe must hold
// One-Click. Bounded by the body's own size (the endpoint caps it).
bool multipart_one_click(std::string_view content_type, std::string_view body) {
    std::string boundary = parameter(content_type, "boundary");
    if (boundary.empty() || boundary.size() > 70) return false;  // RFC 2046 5.1.1: 1 to 70
    const std::string delimiter = "--" + boundary;
    std::size_t position = body.find(delimiter);
    while (position != std::string_view::npos) {
        std::size_t part_start = body.find("\r\n", position);
        if (part_start == std::string_view::npos) return false;
        part_start += 2;
        std::size_t next = body.find("\r\n" + delimiter, part_start);
        if (next == std::string_view::npos) return false;
        std::string_view part = body.substr(part_start, next - part_start);
        std::size_t blank = part.find("\r\n\r\n");
        if (blank != std::string_view::npos) {
            std::string_view headers = part.substr(0, blank);
            std::string_view content = part.substr(blank + 4);
            bool named = false;
            std::size_t line_start = 0;
            while (line_start <= headers.size()) {
                std::size_t line_end = headers.find("\r\n", line_start);
                std::string_view line = headers.substr(
                    line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                   : line_end - line_start);
                auto colon = line.find(':');
                if (colon != std::string_view::npos &&
                    auth::iequals(auth::trim_wsp(line.substr(0, colon)), "Content-Disposition") &&
                    parameter(line.substr(colon + 1), "name") == one_click_key) {
                    named = true;
                }
                if (line_end == std::string_view::npos) break;
                line_start = line_end + 2;
            }
            if (named && auth::trim_wsp(content) == one_click_value) return true;
        }
        position = next + 2;
    }
    return false;
}

}  // namespace

bool is_one_click_body(std::string_view content_type, std::string_view body) {
    std::string type = media_type(content_type);
    if (type == "multipart/form-data") return multipart_one_click(content_type, body);
    // RFC 8058 3.1 names the two form encodings; a client that sends none (some do) is read
    // as urlencoded, which is what its body looks like.
    if (type.empty() || type == "application/x-www-form-urlencoded")
        return urlencoded_one_click(auth::trim_wsp(body));
    return false;
}

OneClickReading read_one_click_request(const EngagementKey& key, const http::HttpRequest& request) {
    OneClickReading reading;
    std::string_view target = request.target;
    target = target.substr(0, target.find('?'));
    if (!target.starts_with(unsubscribe_path_prefix)) {
        reading.refusal = plain(404, "not found\n");
        return reading;
    }
    bool read_only = request.method == "GET" || request.method == "HEAD";
    if (!read_only && request.method != "POST") {
        reading.refusal = plain(405, "method " + request.method + " is not allowed; allowed: " +
                                         std::string(allowed_methods) + "\n");
        reading.refusal.allow = allowed_methods;
        return reading;
    }
    auto fields = key.open(target.substr(unsubscribe_path_prefix.size()));
    if (!fields || fields->kind != unsubscribe_token_kind) {
        reading.bad_token = true;
        reading.refusal = plain(404, "no such unsubscribe link\n");
        return reading;
    }
    reading.fields = std::move(*fields);
    if (read_only) {
        reading.action = OneClickAction::show_form;
    } else if (is_one_click_body(request.content_type, request.body)) {
        reading.action = OneClickAction::unsubscribe;
    } else {
        reading.refusal = plain(400,
                                "a one-click unsubscribe POST carries List-Unsubscribe=One-Click "
                                "(RFC 8058 3.1)\n");
    }
    return reading;
}

http::HttpResponse one_click_form_page(std::string_view path, const EngagementTokenFields& fields) {
    http::HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    std::string& page = response.body;
    page =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<meta name=\"robots\" content=\"noindex\"><title>Unsubscribe</title></head>\n"
        "<body><p>Stop mail through this relay to <strong>";
    reports::append_html_escaped(page, fields.recipient);
    page += "</strong>?</p>\n<form method=\"post\" action=\"";
    reports::append_html_escaped(page, path);
    page +=
        "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
        "<button type=\"submit\">Unsubscribe</button></form></body></html>\n";
    return response;
}

http::HttpResponse one_click_done(std::string_view recipient, bool already) {
    return plain(200, std::string(recipient) +
                          (already ? " was already unsubscribed\n" : " is unsubscribed\n"));
}

}  // namespace relaylab::relay
