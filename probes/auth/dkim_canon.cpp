#include "probes/auth/dkim_canon.hpp"

#include <map>

namespace relaylab::auth {
namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

}  // namespace

std::string_view canon_name(Canon canon) {
    return canon == Canon::simple ? "simple" : "relaxed";
}

std::optional<Canon> parse_canon(std::string_view text) {
    if (text == "simple") return Canon::simple;
    if (text == "relaxed") return Canon::relaxed;
    return std::nullopt;
}

std::string canon_header(Canon canon, std::string_view raw_field) {
    if (canon == Canon::simple) return std::string(raw_field) + "\r\n";
    std::size_t colon = raw_field.find(':');
    if (colon == std::string_view::npos) colon = raw_field.size();
    std::string out = to_lower(trim_wsp(raw_field.substr(0, colon)));
    out.push_back(':');
    std::string_view value = colon < raw_field.size() ? raw_field.substr(colon + 1) : "";
    // Unfold, turn each WSP run into one SP, drop WSP at both ends of the value.
    bool pending_space = false;
    bool started = false;
    for (std::size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') {
            ++i;
            continue;
        }
        if (is_wsp(c)) {
            pending_space = started;
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        started = true;
        out.push_back(c);
    }
    out.append("\r\n");
    return out;
}

namespace {

// Relaxed body canonicalisation (RFC 6376 3.4.4) of everything but the trailing empty lines:
// WSP at line ends removed, other WSP runs reduced to one SP. The output is never longer
// than the input plus one CRLF, so it is written through a pointer into a buffer sized once
// (appending run by run costs more than the hashing that follows).
std::string relaxed_body_lines(std::string_view body) {
    std::string out(body.size() + 2, '\0');
    char* write = out.data();
    const char* read = body.data();
    const char* const end = read + body.size();
    char* line_start = write;  // where the current output line began
    bool pending_space = false;
    while (read < end) {
        const char c = *read++;
        if (c == '\r' && read < end && *read == '\n') {
            ++read;
            pending_space = false;  // WSP at the end of a line goes
            *write++ = '\r';
            *write++ = '\n';
            line_start = write;
        } else if (is_wsp(c)) {
            pending_space = true;
        } else {
            if (pending_space) *write++ = ' ';
            pending_space = false;
            *write++ = c;
        }
    }
    // A last line without CRLF gets one (when it has content left after WSP removal).
    if (write != line_start) {
        *write++ = '\r';
        *write++ = '\n';
    }
    out.resize(static_cast<std::size_t>(write - out.data()));
    return out;
}

}  // namespace

std::string canon_body(Canon canon, std::string_view body) {
    std::string out = canon == Canon::simple ? std::string(body) : relaxed_body_lines(body);
    // Both: a last line without CRLF gets one, then trailing empty lines go.
    if (!out.empty() && !out.ends_with("\r\n")) out.append("\r\n");
    while (out.size() >= 4 && out.ends_with("\r\n\r\n"))
        out.resize(out.size() - 2);
    if (out == "\r\n") out.clear();
    if (canon == Canon::simple && out.empty()) out = "\r\n";
    return out;
}

std::vector<const HeaderField*> select_headers(const std::vector<HeaderField>& headers,
                                               const std::vector<std::string>& names) {
    std::vector<const HeaderField*> selected;
    std::map<std::string, std::size_t> used;  // lower-case name -> instances consumed
    for (const std::string& name : names) {
        std::string key = to_lower(name);
        std::size_t& consumed = used[key];
        std::size_t seen = 0;
        for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
            if (!iequals(it->name(), key)) continue;
            if (seen++ == consumed) {
                selected.push_back(&*it);
                break;
            }
        }
        ++consumed;
    }
    return selected;
}

}  // namespace relaylab::auth
