#include "harness/smtp/sasl.hpp"

#include <array>

namespace relaylab::smtp {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<signed char, 256> make_decode_table() {
    std::array<signed char, 256> table{};
    for (auto& entry : table)
        entry = -1;
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    }
    return table;
}
constexpr auto decode_table = make_decode_table();

}  // namespace

std::string base64_encode(std::string_view data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16 |
                     static_cast<unsigned char>(data[i + 1]) << 8 |
                     static_cast<unsigned char>(data[i + 2]);
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
        out += alphabet[v & 63];
    }
    std::size_t left = data.size() - i;
    if (left > 0) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16;
        if (left == 2) v |= static_cast<unsigned char>(data[i + 1]) << 8;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += left == 2 ? alphabet[v >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        int values[4];
        int padding = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                values[k] = 0;
                ++padding;
                continue;
            }
            if (padding > 0) return std::nullopt;  // data after '='
            values[k] = decode_table[static_cast<unsigned char>(c)];
            if (values[k] < 0) return std::nullopt;
        }
        unsigned v =
            static_cast<unsigned>(values[0] << 18 | values[1] << 12 | values[2] << 6 | values[3]);
        // Canonical encodings leave the unused bits zero (RFC 4648 3.5).
        if ((padding == 1 && (v & 0xff) != 0) || (padding == 2 && (v & 0xffff) != 0)) {
            return std::nullopt;
        }
        out += static_cast<char>(v >> 16 & 0xff);
        if (padding < 2) out += static_cast<char>(v >> 8 & 0xff);
        if (padding < 1) out += static_cast<char>(v & 0xff);
    }
    return out;
}

std::optional<Credentials> parse_plain_response(std::string_view decoded) {
    auto first = decoded.find('\0');
    if (first == std::string_view::npos) return std::nullopt;
    auto second = decoded.find('\0', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    if (decoded.find('\0', second + 1) != std::string_view::npos) return std::nullopt;
    Credentials credentials;
    credentials.authzid = std::string(decoded.substr(0, first));
    credentials.username = std::string(decoded.substr(first + 1, second - first - 1));
    credentials.password = std::string(decoded.substr(second + 1));
    if (credentials.username.empty()) return std::nullopt;
    return credentials;
}

std::string plain_initial_response(const Credentials& credentials) {
    std::string message = credentials.authzid;
    message += '\0';
    message += credentials.username;
    message += '\0';
    message += credentials.password;
    return base64_encode(message);
}

}  // namespace relaylab::smtp
