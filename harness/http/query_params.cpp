#include "harness/http/query_params.hpp"

#include <charconv>

namespace relaylab::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            char decoded = static_cast<char>(hi * 16 + lo);
            if (decoded == '\0') return std::nullopt;
            out.push_back(decoded);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace

std::variant<Target, std::string> parse_target(std::string_view target) {
    Target result;
    std::size_t question = target.find('?');
    std::string_view path = target.substr(0, question);
    auto decoded_path = percent_decode(path, false);
    if (!decoded_path) return "the path has bad percent-encoding";
    result.path = std::move(*decoded_path);
    if (question == std::string_view::npos) return result;

    std::string_view query = target.substr(question + 1);
    std::size_t fragment = query.find('#');
    query = query.substr(0, fragment);
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        std::size_t eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (!name || !value)
            return "query parameter '" + std::string(pair) + "' has bad percent-encoding";
        if (!result.params.emplace(*name, std::move(*value)).second)
            return "query parameter '" + *name + "' is given more than once";
    }
    return result;
}

std::variant<std::uint64_t, std::string> integer_param(const Target& target, std::string_view name,
                                                       std::uint64_t fallback, std::uint64_t min,
                                                       std::uint64_t max) {
    auto it = target.params.find(name);
    if (it == target.params.end()) return fallback;
    const std::string& text = it->second;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    std::string range = std::to_string(min) + " to " + std::to_string(max);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return "parameter '" + std::string(name) + "' must be an integer from " + range +
               ", got '" + text + "'";
    if (value < min || value > max)
        return "parameter '" + std::string(name) + "' must be from " + range + ", got " + text;
    return value;
}

std::optional<std::string> unknown_param(const Target& target,
                                         std::initializer_list<std::string_view> known) {
    for (const auto& [name, value] : target.params) {
        bool found = false;
        for (std::string_view k : known)
            found = found || k == name;
        if (found) continue;
        std::string list;
        for (std::string_view k : known)
            list += (list.empty() ? "" : ", ") + std::string(k);
        if (list.empty()) return "unknown parameter '" + name + "'; this endpoint takes none";
        return "unknown parameter '" + name + "'; known: " + list;
    }
    return std::nullopt;
}

}  // namespace relaylab::http
