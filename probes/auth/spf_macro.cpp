#include "probes/auth/spf_macro.hpp"

#include <algorithm>
#include <vector>

namespace relaylab::auth {
namespace {

// RFC 1035 2.3.4 / RFC 7208 7.3: a domain name for a query is at most 253 characters of text.
constexpr std::size_t kMaxDomainLength = 253;
// A DIGIT transformer beyond the number of labels a name can have just means "all parts".
constexpr unsigned kMaxTransformerDigits = 1000;

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_delimiter(char c) {
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}
char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// RFC 3986 unreserved characters stay; everything else is percent-encoded (RFC 7208 7.3).
bool is_unreserved(char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string url_escape(std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : value) {
        if (is_unreserved(c)) {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0f];
        }
    }
    return out;
}

const std::string* letter_value(char letter, const MacroValues& v) {
    switch (to_lower(letter)) {
        case 's':
            return &v.sender;
        case 'l':
            return &v.local_part;
        case 'o':
            return &v.sender_domain;
        case 'd':
            return &v.domain;
        case 'i':
            return &v.ip_dotted;
        case 'p':
            return &v.ptr_name;
        case 'v':
            return &v.ip_version;
        case 'h':
            return &v.helo;
        case 'c':
            return &v.ip_readable;
        case 'r':
            return &v.receiver;
        case 't':
            return &v.timestamp;
        default:
            return nullptr;
    }
}

bool letter_allowed(char letter, MacroContext context) {
    switch (to_lower(letter)) {
        case 's':
        case 'l':
        case 'o':
        case 'd':
        case 'i':
        case 'p':
        case 'v':
        case 'h':
            return true;
        case 'c':
        case 'r':
        case 't':
            // RFC 7208 7.2: "c", "r" and "t" are only allowed in explanation strings.
            return context == MacroContext::explanation;
        default:
            return false;
    }
}

// Splits, reverses and keeps the right-most parts (RFC 7208 7.3 transformers).
std::string transform(std::string_view value, unsigned keep, bool reverse,
                      std::string_view delimiters) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        if (i == value.size() || delimiters.find(value[i]) != std::string_view::npos) {
            parts.push_back(value.substr(start, i - start));
            start = i + 1;
        }
    }
    if (reverse) std::reverse(parts.begin(), parts.end());
    std::size_t first = 0;
    if (keep != 0 && keep < parts.size()) first = parts.size() - keep;
    std::string out;
    for (std::size_t i = first; i < parts.size(); ++i) {
        if (i != first) out += '.';
        out += parts[i];
    }
    return out;
}

// Walks a macro-string; with `values` it also expands into `out`. Returns an error or nothing.
// `last` reports whether the final token was a macro-expand (for domain-end).
std::optional<std::string> walk(std::string_view text, MacroContext context,
                                const MacroValues* values, std::string* out, bool* last_macro) {
    bool macro_last = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (c != '%') {
            const auto byte = static_cast<unsigned char>(c);
            const bool space_ok = context == MacroContext::explanation && c == ' ';
            if ((byte < 0x21 || byte > 0x7e) && !space_ok) {
                return "character 0x" + std::string(1, "0123456789abcdef"[byte >> 4]) +
                       std::string(1, "0123456789abcdef"[byte & 0x0f]) + " at offset " +
                       std::to_string(i) + " is not allowed in a macro-string (RFC 7208 7.1)";
            }
            if (out) *out += c;
            macro_last = false;
            ++i;
            continue;
        }
        if (i + 1 >= text.size()) {
            return "'%' at the end of '" + std::string(text) + "' (RFC 7208 7.1)";
        }
        const char next = text[i + 1];
        if (next == '%' || next == '_' || next == '-') {
            if (out) *out += next == '%' ? "%" : next == '_' ? " " : "%20";
            macro_last = true;
            i += 2;
            continue;
        }
        if (next != '{') {
            return "'%' followed by '" + std::string(1, next) +
                   "' (only '{', '%', '_' or '-' may follow; RFC 7208 7.1)";
        }
        std::size_t j = i + 2;
        if (j >= text.size()) return "unterminated macro in '" + std::string(text) + "'";
        const char letter = text[j++];
        if (!letter_allowed(letter, context)) {
            return "macro letter '" + std::string(1, letter) + "' is not allowed " +
                   (context == MacroContext::explanation ? "(RFC 7208 7.2)"
                                                         : "outside exp= text (RFC 7208 7.2)");
        }
        unsigned digits = 0;
        bool have_digits = false;
        while (j < text.size() && is_digit(text[j])) {
            have_digits = true;
            digits = std::min(kMaxTransformerDigits, digits * 10 + unsigned(text[j] - '0'));
            ++j;
        }
        if (have_digits && digits == 0) {
            return "macro transformer 0 in '" + std::string(text) +
                   "' (must be nonzero; RFC 7208 7.3)";
        }
        bool reverse = false;
        if (j < text.size() && (text[j] == 'r' || text[j] == 'R')) {
            reverse = true;
            ++j;
        }
        const std::size_t delimiters_start = j;
        while (j < text.size() && is_delimiter(text[j]))
            ++j;
        if (j >= text.size() || text[j] != '}') {
            return "malformed macro at offset " + std::to_string(i) + " in '" + std::string(text) +
                   "' (RFC 7208 7.1)";
        }
        if (out && values) {
            std::string_view delimiters = text.substr(delimiters_start, j - delimiters_start);
            if (delimiters.empty()) delimiters = ".";
            const std::string* value = letter_value(letter, *values);
            std::string expanded = (have_digits || reverse || delimiters != ".")
                                       ? transform(*value, digits, reverse, delimiters)
                                       : *value;
            const bool upper = letter >= 'A' && letter <= 'Z';
            *out += upper ? url_escape(expanded) : expanded;
        }
        macro_last = true;
        i = j + 1;
    }
    if (last_macro) *last_macro = macro_last;
    return std::nullopt;
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view label) {
    if (label.empty()) return false;
    bool alpha = false, dash = false;
    for (char c : label) {
        if (is_alpha(c))
            alpha = true;
        else if (c == '-')
            dash = true;
        else if (!is_digit(c))
            return false;
    }
    if (label.front() == '-' || label.back() == '-') return false;
    return alpha || dash;
}

}  // namespace

std::optional<std::string> macro_syntax_error(std::string_view text, MacroContext context) {
    return walk(text, context, nullptr, nullptr, nullptr);
}

std::optional<std::string> domain_spec_error(std::string_view text) {
    if (text.empty()) return "empty domain-spec (RFC 7208 7.1)";
    bool last_macro = false;
    if (auto error = walk(text, MacroContext::domain_spec, nullptr, nullptr, &last_macro)) {
        return error;
    }
    if (last_macro) return std::nullopt;
    std::string_view rest = text;
    if (rest.back() == '.') rest.remove_suffix(1);
    const auto dot = rest.rfind('.');
    if (dot == std::string_view::npos || !is_toplabel(rest.substr(dot + 1))) {
        // Appended, not `"'" + std::string(...)`: g++ 12 at -O3 warns falsely on that form
        // (-Wrestrict, GCC bug 105329), which breaks Release builds with -Werror.
        std::string error = "'";
        error.append(text);
        error.append("' does not end in a macro or a valid top label (RFC 7208 7.1 domain-end)");
        return error;
    }
    return std::nullopt;
}

bool uses_p_macro(std::string_view text) {
    for (std::size_t i = 0; i + 2 < text.size(); ++i) {
        if (text[i] == '%' && text[i + 1] == '%') {
            ++i;  // "%%" is a literal percent: skip both characters
            continue;
        }
        if (text[i] == '%' && text[i + 1] == '{' && to_lower(text[i + 2]) == 'p') return true;
    }
    return false;
}

std::optional<std::string> expand_macros(std::string_view text, const MacroValues& values,
                                         MacroContext context) {
    std::string out;
    if (walk(text, context, &values, &out, nullptr)) return std::nullopt;
    return out;
}

std::string truncate_domain(std::string name) {
    while (name.size() > kMaxDomainLength) {
        const auto dot = name.find('.');
        if (dot == std::string::npos) return {};
        name.erase(0, dot + 1);
    }
    return name;
}

}  // namespace relaylab::auth
