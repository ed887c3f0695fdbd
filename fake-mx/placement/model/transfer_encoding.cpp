#include "fake-mx/placement/model/transfer_encoding.hpp"

#include <algorithm>
#include <cstdint>

#include "probes/auth/message_headers.hpp"

namespace relaylab::placement {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::string decode_quoted_printable(std::string_view text, std::size_t max_output) {
    std::string out;
    out.reserve(std::min(text.size(), max_output));
    std::size_t i = 0;
    while (i < text.size() && out.size() < max_output) {
        char c = text[i];
        if (c != '=') {
            out.push_back(c);
            ++i;
            continue;
        }
        // A soft line break: "=" then optional whitespace then CRLF or LF (or the end).
        std::size_t j = i + 1;
        while (j < text.size() && (text[j] == ' ' || text[j] == '\t'))
            ++j;
        if (j == text.size()) {
            i = j;
            continue;
        }
        if (text[j] == '\n' || (text[j] == '\r' && j + 1 < text.size() && text[j + 1] == '\n')) {
            i = j + (text[j] == '\r' ? 2 : 1);
            continue;
        }
        if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 3;
            continue;
        }
        out.push_back('=');
        ++i;
    }
    return out;
}

std::string decode_base64_lenient(std::string_view text, std::size_t max_output) {
    std::string out;
    out.reserve(std::min(text.size() / 4 * 3, max_output));
    std::uint32_t group = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        int value = base64_value(c);
        if (value < 0) continue;
        group = (group << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out.size() == max_output) break;
            out.push_back(static_cast<char>((group >> bits) & 0xff));
        }
    }
    return out;
}

std::string decode_transfer_encoding(std::string_view encoding, std::string_view text,
                                     std::size_t max_output) {
    std::string_view name = auth::trim_wsp(encoding);
    if (auth::iequals(name, "quoted-printable")) return decode_quoted_printable(text, max_output);
    if (auth::iequals(name, "base64")) return decode_base64_lenient(text, max_output);
    return std::string(text.substr(0, max_output));
}

}  // namespace relaylab::placement
