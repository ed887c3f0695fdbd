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

std::string canon_body(Canon canon, std::string_view body) {
    std::string out;
    out.reserve(body.size() + 2);
    if (canon == Canon::simple) {
        out.assign(body);
    } else {
        std::size_t pos = 0;
        while (pos < body.size()) {
            std::size_t eol = body.find("\r\n", pos);
            std::size_t end = eol == std::string_view::npos ? body.size() : eol;
            std::string_view line = body.substr(pos, end - pos);
            while (!line.empty() && is_wsp(line.back()))
                line.remove_suffix(1);
            bool in_wsp = false;
            for (char c : line) {
                if (is_wsp(c)) {
                    in_wsp = true;
                    continue;
                }
                if (in_wsp) out.push_back(' ');
                in_wsp = false;
                out.push_back(c);
            }
            if (eol == std::string_view::npos) {
                if (!line.empty()) out.append("\r\n");
                break;
            }
            out.append("\r\n");
            pos = eol + 2;
        }
    }
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
