#include "harness/http/server_sent_events.hpp"

namespace relaylab::http {
namespace {

void append_without_line_breaks(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c != '\r' && c != '\n') out += c;
    }
}

void append_field(std::string& out, std::string_view field, std::string_view value) {
    out += field;
    out += ": ";
    append_without_line_breaks(out, value);
    out += '\n';
}

}  // namespace

std::string sse_event(std::string_view name, std::string_view id, std::string_view data) {
    std::string out;
    out.reserve(data.size() + data.size() / 32 + 32);
    if (!name.empty()) append_field(out, "event", name);
    if (!id.empty()) append_field(out, "id", id);
    std::size_t start = 0;
    for (;;) {
        std::size_t end = data.find_first_of("\r\n", start);
        out += "data: ";
        out.append(data.substr(start, end == std::string_view::npos ? end : end - start));
        out += '\n';
        if (end == std::string_view::npos) break;
        start = end + (data.compare(end, 2, "\r\n") == 0 ? 2 : 1);
    }
    out += '\n';
    return out;
}

std::string sse_comment(std::string_view text) {
    std::string out = ": ";
    append_without_line_breaks(out, text);
    out += "\n\n";
    return out;
}

}  // namespace relaylab::http
