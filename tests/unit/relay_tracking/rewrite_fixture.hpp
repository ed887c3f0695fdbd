// Shared pieces of the rewriter tests: URL makers that record what they were asked, and an
// independent reader of the transfer encodings (written here from RFC 2045, not the
// rewriter's own decoder) so a test checks what a mail reader would see.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/relay/engagement/html_tracking_rewriter.hpp"

namespace relaylab::relay::testing {

inline constexpr std::string_view pixel_url = "http://t.test/o/PIXEL";

struct RecordingUrls {
    std::vector<std::string> originals;  // every URL a click URL was made for, in order
    TrackingUrls urls(bool opens = true, bool clicks = true) {
        TrackingUrls out;
        if (opens) out.pixel = [] { return std::string(pixel_url); };
        if (clicks)
            out.click = [this](std::string_view original) {
                originals.emplace_back(original);
                return "http://t.test/c/T" + std::to_string(originals.size()) +
                       "?u=" + percent_encode(original);
            };
        return out;
    }
};

// RFC 2045 6.7 read naively: "=\r\n" and "=\n" vanish, "=XX" is an octet.
inline std::string reader_qp(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '=' && text.substr(i + 1).starts_with("\r\n")) {
            i += 2;
        } else if (text[i] == '=' && text.substr(i + 1).starts_with("\n")) {
            i += 1;
        } else if (text[i] == '=' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// RFC 4648 4, skipping line breaks.
inline std::string reader_base64(std::string_view text) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        auto v = alphabet.find(c);
        if (v == std::string::npos) continue;  // newlines and '='
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

inline std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t lf = text.find('\n', pos);
        std::size_t end = lf == std::string_view::npos ? text.size() : lf;
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        pos = lf == std::string_view::npos ? text.size() : lf + 1;
    }
    return out;
}

inline std::size_t longest_line(std::string_view text) {
    std::size_t longest = 0;
    for (auto line : lines_of(text))
        longest = std::max(longest, line.size());
    return longest;
}

inline std::size_t count(std::string_view text, std::string_view needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string_view::npos;
         pos = text.find(needle, pos + needle.size()))
        ++n;
    return n;
}

}  // namespace relaylab::relay::testing
