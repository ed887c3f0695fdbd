#include "harness/smtp/address.hpp"

#include <arpa/inet.h>

#include <cctype>

#include "harness/smtp/limits.hpp"

namespace relaylab::smtp {

namespace {

bool is_alpha(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
bool is_non_ascii(unsigned char c) {
    return c >= 0x80;
}

// RFC 5322 3.2.3 atext.
bool is_atext(unsigned char c) {
    if (is_alpha(c) || is_digit(c)) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '/':
        case '=':
        case '?':
        case '^':
        case '_':
        case '`':
        case '{':
        case '|':
        case '}':
        case '~':
            return true;
        default:
            return false;
    }
}

bool contains_non_ascii(std::string_view text) {
    for (unsigned char c : text) {
        if (is_non_ascii(c)) return true;
    }
    return false;
}

// Dot-string = Atom *("." Atom); RFC 6531 adds UTF-8 to atext.
bool is_dot_string(std::string_view text, bool allow_utf8) {
    if (text.empty() || text.front() == '.' || text.back() == '.') return false;
    char previous = 0;
    for (unsigned char c : text) {
        if (c == '.') {
            if (previous == '.') return false;
        } else if (!is_atext(c) && !(allow_utf8 && is_non_ascii(c))) {
            return false;
        }
        previous = static_cast<char>(c);
    }
    return true;
}

// Quoted-string = DQUOTE *QcontentSMTP DQUOTE; qtextSMTP %d32-33 / %d35-91 / %d93-126,
// quoted-pairSMTP = "\" %d32-126.
bool is_quoted_string(std::string_view text, bool allow_utf8) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        unsigned char c = text[i];
        if (c == '\\') {
            if (i + 2 >= text.size()) return false;
            unsigned char quoted = text[++i];
            if (quoted < 32 || quoted > 126) return false;
        } else if (c == '"' || ((c < 32 || c > 126) && !(allow_utf8 && is_non_ascii(c)))) {
            return false;
        }
    }
    return true;
}

// Where the local part ends: at the '@' outside quotes.
std::size_t local_part_end(std::string_view text) {
    if (!text.empty() && text.front() == '"') {
        for (std::size_t i = 1; i < text.size(); ++i) {
            if (text[i] == '\\') {
                ++i;
            } else if (text[i] == '"') {
                return i + 1;
            }
        }
        return std::string_view::npos;
    }
    return text.find('@');
}

}  // namespace

std::string Path::address() const {
    if (null) return "";
    if (postmaster) return mailbox.local_part;
    return mailbox.address();
}

std::string_view describe(PathError error) {
    switch (error) {
        case PathError::none:
            return "ok";
        case PathError::missing_brackets:
            return "address must be enclosed in <>";
        case PathError::bad_source_route:
            return "malformed source route";
        case PathError::bad_local_part:
            return "malformed local part";
        case PathError::local_part_too_long:
            return "local part longer than 64 octets";
        case PathError::missing_domain:
            return "address has no domain";
        case PathError::bad_domain:
            return "malformed domain";
        case PathError::domain_too_long:
            return "domain longer than 255 octets";
        case PathError::bad_address_literal:
            return "malformed address literal";
        case PathError::path_too_long:
            return "path longer than 256 octets";
        case PathError::null_not_allowed:
            return "null address not allowed here";
        case PathError::non_ascii:
            return "non-ASCII address without SMTPUTF8";
        case PathError::invalid_utf8:
            return "address is not valid UTF-8";
    }
    return "malformed address";
}

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        // RFC 3629 4: the lead octet fixes the length and the range of the second octet, which
        // is what excludes overlongs (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code
        // points past U+10FFFF (F4 90..BF, F5..FF); C0 and C1 are never valid.
        std::size_t length = 0;
        unsigned char low = 0x80;
        unsigned char high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (c == 0xE0) low = 0xA0;
            if (c == 0xED) high = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (c == 0xF0) low = 0x90;
            if (c == 0xF4) high = 0x8F;
        } else {
            return false;
        }
        if (text.size() - i < length) return false;
        auto second = static_cast<unsigned char>(text[i + 1]);
        if (second < low || second > high) return false;
        for (std::size_t k = 2; k < length; ++k) {
            auto next = static_cast<unsigned char>(text[i + k]);
            if (next < 0x80 || next > 0xBF) return false;
        }
        i += length;
    }
    return true;
}

bool is_valid_domain(std::string_view domain, bool allow_utf8) {
    if (domain.empty() || domain.size() > limits::domain) return false;
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= domain.size(); ++i) {
        if (i < domain.size() && domain[i] != '.') {
            unsigned char c = domain[i];
            if (!is_alpha(c) && !is_digit(c) && c != '-' && !(allow_utf8 && is_non_ascii(c))) {
                return false;
            }
            continue;
        }
        std::size_t length = i - label_start;
        // sub-domain = Let-dig [Ldh-str]: no empty label, no leading or trailing hyphen.
        if (length == 0 || length > 63) return false;
        if (domain[label_start] == '-' || domain[i - 1] == '-') return false;
        label_start = i + 1;
    }
    return true;
}

bool is_valid_address_literal(std::string_view literal) {
    if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']') return false;
    // inet_pton reads a C string: an embedded NUL would hide the junk after it.
    if (literal.find('\0') != std::string_view::npos) return false;
    std::string inner(literal.substr(1, literal.size() - 2));
    unsigned char buffer[16];
    if (inet_pton(AF_INET, inner.c_str(), buffer) == 1) return true;
    auto colon = inner.find(':');
    if (colon == std::string::npos || colon == 0) return false;
    std::string tag = inner.substr(0, colon);
    std::string value = inner.substr(colon + 1);
    if (tag == "IPv6" || tag == "ipv6" || tag == "IPV6") {
        return inet_pton(AF_INET6, value.c_str(), buffer) == 1;
    }
    // General-address-literal = Standardized-tag ":" 1*dcontent (dcontent %d33-90 / %d94-126).
    if (value.empty() || tag.back() == '-') return false;
    for (unsigned char c : tag) {
        if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
    }
    for (unsigned char c : value) {
        if (c < 33 || c > 126 || (c >= 91 && c <= 93)) return false;
    }
    return true;
}

PathResult parse_path(std::string_view text, const PathOptions& options) {
    PathResult result;
    if (text.empty() || text.front() != '<') {
        result.error = PathError::missing_brackets;
        return result;
    }
    auto close = std::string_view::npos;
    bool quoted = false;
    for (std::size_t i = 1; i < text.size(); ++i) {
        if (quoted && text[i] == '\\') {
            ++i;
        } else if (text[i] == '"') {
            quoted = !quoted;
        } else if (!quoted && text[i] == '>') {
            close = i;
            break;
        }
    }
    if (close == std::string_view::npos) {
        result.error = PathError::missing_brackets;
        return result;
    }
    result.rest = text.substr(close + 1);
    if (close + 1 > limits::path) {
        result.error = PathError::path_too_long;
        return result;
    }
    std::string_view inner = text.substr(1, close - 1);
    if (inner.empty()) {
        if (!options.allow_null) result.error = PathError::null_not_allowed;
        result.path.null = true;
        return result;
    }
    if (contains_non_ascii(inner)) {
        if (!options.allow_utf8) {
            result.error = PathError::non_ascii;
            return result;
        }
        // RFC 6531 3.3 extends the Mailbox grammar with UTF8-non-ascii (RFC 6532 3.1), which is
        // well-formed UTF-8 only (RFC 3629 4): anything else is a syntax error, refused with the
        // address syntax codes of RFC 3463 (501 5.1.7 sender, 501 5.1.3 recipient).
        if (!is_valid_utf8(inner)) {
            result.error = PathError::invalid_utf8;
            return result;
        }
        result.path.utf8 = true;
    }
    // A-d-l ":" — source routes are accepted and ignored (RFC 5321 4.1.1.3 and appendix C).
    if (inner.front() == '@') {
        auto colon = inner.find(':');
        if (colon == std::string_view::npos) {
            result.error = PathError::bad_source_route;
            return result;
        }
        std::string_view route = inner.substr(0, colon);
        std::size_t start = 0;
        while (start < route.size()) {
            auto comma = route.find(',', start);
            std::string_view hop = route.substr(
                start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
            if (hop.size() < 2 || hop.front() != '@' ||
                !is_valid_domain(hop.substr(1), options.allow_utf8)) {
                result.error = PathError::bad_source_route;
                return result;
            }
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        inner = inner.substr(colon + 1);
    }
    if (options.allow_postmaster && inner.size() == 10) {
        std::string lowered(inner);
        for (auto& c : lowered)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lowered == "postmaster") {
            result.path.postmaster = true;
            result.path.mailbox.local_part = std::string(inner);
            return result;
        }
    }
    std::size_t at = local_part_end(inner);
    if (at == std::string_view::npos || at >= inner.size() || inner[at] != '@') {
        result.error = at == std::string_view::npos || at >= inner.size()
                           ? PathError::missing_domain
                           : PathError::bad_local_part;
        return result;
    }
    std::string_view local = inner.substr(0, at);
    std::string_view domain = inner.substr(at + 1);
    if (!is_dot_string(local, options.allow_utf8) && !is_quoted_string(local, options.allow_utf8)) {
        result.error = PathError::bad_local_part;
        return result;
    }
    if (local.size() > limits::local_part) {
        result.error = PathError::local_part_too_long;
        return result;
    }
    if (domain.empty()) {
        result.error = PathError::missing_domain;
        return result;
    }
    if (domain.front() == '[') {
        if (!is_valid_address_literal(domain)) {
            result.error = PathError::bad_address_literal;
            return result;
        }
    } else if (domain.size() > limits::domain) {
        result.error = PathError::domain_too_long;
        return result;
    } else if (!is_valid_domain(domain, options.allow_utf8)) {
        result.error = PathError::bad_domain;
        return result;
    }
    result.path.mailbox.local_part = std::string(local);
    result.path.mailbox.domain = std::string(domain);
    return result;
}

}  // namespace relaylab::smtp
