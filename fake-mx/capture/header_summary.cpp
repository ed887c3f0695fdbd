#include "fake-mx/capture/header_summary.hpp"

#include <algorithm>

namespace relaylab::fakemx::capture {
namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// Lines end in CRLF or a bare LF (accepted, as receivers in the wild do). Returns where the
// line's text ends and sets `next` to the start of the following line.
std::size_t line_end(std::string_view s, std::size_t from, std::size_t& next) {
    std::size_t lf = s.find('\n', from);
    if (lf == std::string_view::npos) {
        next = s.size();
        return s.size();
    }
    next = lf + 1;
    return (lf > from && s[lf - 1] == '\r') ? lf - 1 : lf;
}

// Calls f(name, folded_value) for each field, a field being a line and its continuation lines,
// until the empty line or the end of `block`, or until f returns false.
template <typename F>
void for_each_field(std::string_view block, F&& f) {
    std::size_t pos = 0;
    while (pos < block.size()) {
        std::size_t next = 0;
        std::size_t end = line_end(block, pos, next);
        if (end == pos) return;  // the empty line that ends the header section
        // Continuation lines belong to this field.
        while (next < block.size() && is_wsp(block[next])) {
            end = line_end(block, next, next);
        }
        std::string_view field = block.substr(pos, end - pos);
        pos = next;
        std::size_t colon = field.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        std::string_view name = field.substr(0, colon);
        // RFC 5322 3.6.8: a field name has no whitespace; obsolete syntax allows WSP before ':'.
        while (!name.empty() && is_wsp(name.back()))
            name.remove_suffix(1);
        if (name.find_first_of(" \t") != std::string_view::npos) continue;
        if (!f(name, field.substr(colon + 1))) return;
    }
}

// RFC 5322 2.2.3: unfolding removes each CRLF (or bare LF) that is followed by whitespace.
std::string unfold(std::string_view folded, std::size_t limit) {
    std::string out;
    folded = trim(folded);
    out.reserve(std::min(folded.size(), limit));
    for (std::size_t i = 0; i < folded.size() && out.size() < limit; ++i) {
        char c = folded[i];
        if (c == '\r' && i + 1 < folded.size() && folded[i + 1] == '\n') continue;
        if (c == '\n') continue;
        out.push_back(c);
    }
    return out;
}

}  // namespace

std::string_view header_block(std::string_view raw) {
    std::string_view window = raw.substr(0, std::min(raw.size(), max_header_block));
    std::size_t pos = 0;
    while (pos < window.size()) {
        std::size_t next = 0;
        std::size_t end = line_end(window, pos, next);
        if (end == pos) return window.substr(0, next);  // include the empty line
        pos = next;
    }
    return window;
}

std::vector<HeaderField> parse_header_fields(std::string_view block, std::size_t max_fields) {
    std::vector<HeaderField> fields;
    for_each_field(block, [&](std::string_view name, std::string_view value) {
        if (fields.size() >= max_fields) return false;
        fields.push_back({std::string(name), unfold(value, max_header_block)});
        return true;
    });
    return fields;
}

HeaderSummary summarize_headers(std::string_view raw) {
    HeaderSummary summary;
    struct Slot {
        std::string_view name;
        std::string* value;
        bool seen = false;
    };
    Slot slots[] = {{"Subject", &summary.subject}, {"From", &summary.from},
                    {"To", &summary.to},           {"Message-ID", &summary.message_id},
                    {"Date", &summary.date},       {tracking_header, &summary.tracking_id}};
    std::size_t remaining = std::size(slots);
    for_each_field(header_block(raw), [&](std::string_view name, std::string_view value) {
        for (Slot& slot : slots) {
            if (slot.seen || !iequals(name, slot.name)) continue;
            *slot.value = unfold(value, max_summary_value);
            slot.seen = true;
            --remaining;
        }
        return remaining > 0;
    });
    return summary;
}

}  // namespace relaylab::fakemx::capture
