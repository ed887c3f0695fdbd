#include "probes/auth/dkim_base64.hpp"

#include <array>
#include <cstdint>

namespace relaylab::auth {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Symbol values by octet; -1 for octets outside the alphabet. A table, because a DKIM verify
// decodes b= (344 symbols) for every message.
constexpr std::array<std::int8_t, 256> decode_table = [] {
    std::array<std::int8_t, 256> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return table;
}();

int decode_char(char c) {
    return decode_table[static_cast<unsigned char>(c)];
}

bool is_fws_char(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                          (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                          static_cast<std::uint8_t>(bytes[i + 2]);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        out.push_back(alphabet[v & 63]);
    }
    std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(rest == 2 ? alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    // Written through an index into a buffer sized once: a DKIM verify decodes b= (344
    // symbols) per message, and push_back per byte showed in its profile.
    std::string out(text.size() * 3 / 4 + 3, '\0');
    std::size_t written = 0;
    std::uint32_t buffer = 0;
    int bits = 0;
    std::size_t symbols = 0;
    std::size_t padding = 0;
    for (char c : text) {
        if (is_fws_char(c)) continue;
        if (c == '=') {
            ++padding;
            ++symbols;
            if (padding > 2) return std::nullopt;
            continue;
        }
        if (padding > 0) return std::nullopt;  // data after padding
        int v = decode_char(c);
        if (v < 0) return std::nullopt;
        ++symbols;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[written++] = static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    if (symbols % 4 != 0) return std::nullopt;
    out.resize(written);
    return out;
}

std::string strip_fws(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text)
        if (!is_fws_char(c)) out.push_back(c);
    return out;
}

}  // namespace relaylab::auth
