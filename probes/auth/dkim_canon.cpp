#include "probes/auth/dkim_canon.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>

namespace relaylab::auth {
namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

bool line_is_wsp_only(std::string_view line) {
    for (const char c : line)
        if (!is_wsp(c)) return false;
    return true;
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
// than the input plus one CRLF, so it is written through a pointer into a buffer sized once.
//
// Most lines of real mail need at most their trailing WSP cut (single spaces between words,
// no tab): such a line is found by a read-only pass eight bytes at a time and copied whole; only
// the others go through the byte loop. This halves the cost of a verify
// of a typical 4 KB message, where the byte loop cost more than the SHA-256 that follows.
char* relaxed_line(const char* read, const char* const end, char* write) {
    bool pending_space = false;
    while (read < end) {
        const char c = *read++;
        if (is_wsp(c)) {
            pending_space = true;
        } else {
            if (pending_space) *write++ = ' ';
            pending_space = false;
            *write++ = c;
        }
    }
    return write;  // WSP at the end of the line is dropped with pending_space
}

// Eight bytes at a time (SWAR): the high bit of each byte of the result is set where `word`
// has the byte `byte` (the classic "has zero byte" test on word ^ byte*0x01..01, exact here
// because the lower bits are masked before the add).
std::uint64_t bytes_equal_to(std::uint64_t word, unsigned char byte) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    const std::uint64_t x = word ^ (ones * byte);
    return ~(((x & low7) + low7) | x | low7);
}

// The line without its trailing WSP, when what is left needs no change (no tab, no run of
// spaces); nullopt when it does.
std::optional<std::string_view> canonical_after_trim(std::string_view line) {
    while (!line.empty() && is_wsp(line.back()))
        line.remove_suffix(1);
    const char* p = line.data();
    const std::size_t n = line.size();
    std::size_t i = 0;
    bool space_before = false;  // the byte before the current word is a space
    // The masks below number bytes as a little-endian load does; elsewhere the byte loop only.
    for (; std::endian::native == std::endian::little && i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        if (bytes_equal_to(word, '\t') != 0) return std::nullopt;
        const std::uint64_t spaces = bytes_equal_to(word, ' ');
        // Little-endian: byte k of the line is byte k of the word, bit 8k+7 of the mask.
        const std::uint64_t runs = spaces & ((spaces << 8) | (space_before ? 0x80ULL : 0));
        if (runs != 0) return std::nullopt;
        space_before = (spaces >> 63) != 0;
    }
    for (; i < n; ++i) {
        const char c = p[i];
        if (c == '\t' || (c == ' ' && space_before)) return std::nullopt;
        space_before = c == ' ';
    }
    return line;
}

std::string relaxed_body_lines(std::string_view body) {
    std::string out(body.size() + 2, '\0');
    char* write = out.data();
    std::size_t pos = 0;
    while (pos < body.size()) {
        // A line ends at CRLF; a bare CR or LF is content (it stays, as the RFC's "line" is
        // CRLF-delimited).
        std::size_t cr = body.find("\r\n", pos);
        const bool has_crlf = cr != std::string_view::npos;
        const std::size_t line_end = has_crlf ? cr : body.size();
        const std::string_view line = body.substr(pos, line_end - pos);
        if (const auto kept = canonical_after_trim(line)) {
            std::memcpy(write, kept->data(), kept->size());
            write += kept->size();
        } else {
            write = relaxed_line(line.data(), line.data() + line.size(), write);
        }
        if (has_crlf) {
            *write++ = '\r';
            *write++ = '\n';
            pos = line_end + 2;
        } else {
            // A last line without CRLF gets one when it has content left after WSP removal.
            const bool content_left = !line.empty() && !line_is_wsp_only(line);
            if (content_left) {
                *write++ = '\r';
                *write++ = '\n';
            }
            pos = body.size();
        }
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
