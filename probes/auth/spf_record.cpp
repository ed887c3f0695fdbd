#include "probes/auth/spf_record.hpp"

#include <charconv>

#include "probes/auth/spf_macro.hpp"

namespace relaylab::auth {
namespace {

constexpr std::string_view kVersion = "v=spf1";
constexpr unsigned kMaxCidr4 = 32;
constexpr unsigned kMaxCidr6 = 128;

char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    }
    return true;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = to_lower(c);
    return out;
}

// ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT); ip6 likewise up to 128: no leading zeros.
std::optional<unsigned> parse_cidr(std::string_view digits, unsigned max) {
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    for (char c : digits) {
        if (!is_digit(c)) return std::nullopt;
    }
    if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
    unsigned value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (value > max) return std::nullopt;
    return value;
}

// True for the digits-only tail after the last '/' of `text` (a CIDR candidate).
bool digit_tail(std::string_view text, std::size_t slash) {
    if (slash + 1 >= text.size()) return false;
    for (std::size_t i = slash + 1; i < text.size(); ++i) {
        if (!is_digit(text[i])) return false;
    }
    return true;
}

// Splits "[domain-spec][dual-cidr-length]" (a and mx). Returns an error message or nothing.
std::optional<std::string> split_dual_cidr(std::string_view& rest, SpfMechanism& m) {
    // ip6-cidr-length comes last and is introduced by "//".
    auto slash = rest.rfind('/');
    if (slash != std::string_view::npos && slash > 0 && rest[slash - 1] == '/' &&
        digit_tail(rest, slash)) {
        auto cidr = parse_cidr(rest.substr(slash + 1), kMaxCidr6);
        if (!cidr) return "invalid IPv6 prefix length in '" + m.text + "' (RFC 7208 5.6)";
        m.cidr6 = *cidr;
        rest = rest.substr(0, slash - 1);
        slash = rest.rfind('/');
    }
    if (slash != std::string_view::npos && digit_tail(rest, slash)) {
        auto cidr = parse_cidr(rest.substr(slash + 1), kMaxCidr4);
        if (!cidr) return "invalid IPv4 prefix length in '" + m.text + "' (RFC 7208 5.6)";
        m.cidr4 = *cidr;
        rest = rest.substr(0, slash);
    }
    return std::nullopt;
}

std::optional<std::string> parse_mechanism(std::string_view term, SpfMechanism& m) {
    m.text = std::string(term);
    switch (term.front()) {
        case '+':
            m.qualifier = SpfResult::pass;
            term.remove_prefix(1);
            break;
        case '-':
            m.qualifier = SpfResult::fail;
            term.remove_prefix(1);
            break;
        case '~':
            m.qualifier = SpfResult::softfail;
            term.remove_prefix(1);
            break;
        case '?':
            m.qualifier = SpfResult::neutral;
            term.remove_prefix(1);
            break;
        default:
            break;
    }
    const auto name_end = term.find_first_of(":/");
    const std::string_view name = term.substr(0, name_end);
    std::string_view rest = name_end == std::string_view::npos ? "" : term.substr(name_end);

    auto optional_domain = [&](std::string_view& r) -> std::optional<std::string> {
        if (r.empty() || r.front() != ':') return std::nullopt;
        r.remove_prefix(1);
        m.domain_spec = std::string(r);
        if (auto e = domain_spec_error(m.domain_spec)) return e;
        return std::nullopt;
    };
    auto required_domain = [&](std::string_view r) -> std::optional<std::string> {
        if (r.empty() || r.front() != ':') {
            return "'" + m.text + "' needs ':' and a domain-spec (RFC 7208 5)";
        }
        r.remove_prefix(1);
        m.domain_spec = std::string(r);
        return domain_spec_error(m.domain_spec);
    };

    if (iequals(name, "all")) {
        m.kind = SpfMechanismKind::all;
        if (!rest.empty()) return "'all' takes no argument: '" + m.text + "' (RFC 7208 5.1)";
        return std::nullopt;
    }
    if (iequals(name, "include")) {
        m.kind = SpfMechanismKind::include;
        return required_domain(rest);
    }
    if (iequals(name, "exists")) {
        m.kind = SpfMechanismKind::exists;
        return required_domain(rest);
    }
    if (iequals(name, "ptr")) {
        m.kind = SpfMechanismKind::ptr;
        if (!rest.empty() && rest.front() != ':') {
            return "'ptr' takes no prefix length: '" + m.text + "' (RFC 7208 5.5)";
        }
        return optional_domain(rest);
    }
    if (iequals(name, "a") || iequals(name, "mx")) {
        m.kind = iequals(name, "a") ? SpfMechanismKind::a : SpfMechanismKind::mx;
        if (auto e = split_dual_cidr(rest, m)) return e;
        if (!rest.empty() && rest.front() != ':') {
            return "malformed '" + std::string(name) + "' mechanism: '" + m.text + "'";
        }
        return optional_domain(rest);
    }
    if (iequals(name, "ip4") || iequals(name, "ip6")) {
        const bool v4 = iequals(name, "ip4");
        m.kind = v4 ? SpfMechanismKind::ip4 : SpfMechanismKind::ip6;
        // The name ends at the first ':' (an IPv6 address has more of them).
        if (rest.empty() || rest.front() != ':') {
            return "'" + m.text + "' needs ':' and an address (RFC 7208 5.6)";
        }
        rest.remove_prefix(1);
        const auto slash = rest.find('/');
        std::string_view address = rest.substr(0, slash);
        if (slash != std::string_view::npos) {
            auto cidr = parse_cidr(rest.substr(slash + 1), v4 ? kMaxCidr4 : kMaxCidr6);
            if (!cidr) return "invalid prefix length in '" + m.text + "' (RFC 7208 5.6)";
            (v4 ? m.cidr4 : m.cidr6) = *cidr;
        }
        m.network = v4 ? IpAddress::parse_v4(address) : IpAddress::parse_v6(address);
        if (!m.network) {
            return "invalid " + std::string(v4 ? "IPv4" : "IPv6") + " network in '" + m.text +
                   "' (RFC 7208 5.6)";
        }
        return std::nullopt;
    }
    return "unknown mechanism '" + std::string(name) + "' in '" + m.text + "' (RFC 7208 4.6.1)";
}

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) followed by "=" makes a modifier.
std::optional<std::size_t> modifier_name_end(std::string_view term) {
    if (term.empty() || !is_alpha(term.front())) return std::nullopt;
    for (std::size_t i = 1; i < term.size(); ++i) {
        const char c = term[i];
        if (c == '=') return i;
        if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' && c != '.') return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(SpfMechanismKind kind) {
    switch (kind) {
        case SpfMechanismKind::all:
            return "all";
        case SpfMechanismKind::include:
            return "include";
        case SpfMechanismKind::a:
            return "a";
        case SpfMechanismKind::mx:
            return "mx";
        case SpfMechanismKind::ptr:
            return "ptr";
        case SpfMechanismKind::ip4:
            return "ip4";
        case SpfMechanismKind::ip6:
            return "ip6";
        case SpfMechanismKind::exists:
            return "exists";
    }
    return "?";
}

bool is_spf_record(std::string_view txt) {
    if (txt.size() < kVersion.size() || !iequals(txt.substr(0, kVersion.size()), kVersion)) {
        return false;
    }
    return txt.size() == kVersion.size() || txt[kVersion.size()] == ' ';
}

SpfParseResult parse_spf_record(std::string_view txt) {
    SpfParseResult result;
    auto fail = [&](std::string message) {
        result.error = std::move(message);
        return result;
    };
    if (txt.size() > kMaxSpfRecordLength) {
        return fail("record is " + std::to_string(txt.size()) + " bytes, more than the limit of " +
                    std::to_string(kMaxSpfRecordLength));
    }
    if (!is_spf_record(txt)) return fail("record does not start with 'v=spf1' (RFC 7208 4.5)");
    for (std::size_t i = 0; i < txt.size(); ++i) {
        const auto byte = static_cast<unsigned char>(txt[i]);
        // Terms are separated by SP only and use 7-bit printable ASCII (RFC 7208 3.1, 4.6.1).
        if (byte != ' ' && (byte < 0x21 || byte > 0x7e)) {
            static constexpr char kHex[] = "0123456789abcdef";
            return fail(std::string("character 0x") + kHex[byte >> 4] + kHex[byte & 0x0f] +
                        " at offset " + std::to_string(i) +
                        " (records are printable ASCII separated by spaces; RFC 7208 3.1, 4.6.1)");
        }
    }
    SpfRecord record;
    std::size_t terms = 0;
    std::string_view rest = txt.substr(kVersion.size());
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        const auto end = rest.find(' ');
        const std::string_view term = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        if (++terms > kMaxSpfTerms) {
            return fail("more than " + std::to_string(kMaxSpfTerms) + " terms in the record");
        }
        if (auto name_end = modifier_name_end(term)) {
            const std::string name = lower(term.substr(0, *name_end));
            const std::string value(term.substr(*name_end + 1));
            if (name == "redirect" || name == "exp") {
                auto& slot = name == "redirect" ? record.redirect : record.exp;
                if (slot) return fail("'" + name + "=' appears twice (RFC 7208 6)");
                if (auto e = domain_spec_error(value)) {
                    return fail("'" + std::string(term) + "': " + *e);
                }
                slot = value;
            } else {
                if (auto e = macro_syntax_error(value, MacroContext::domain_spec)) {
                    return fail("modifier '" + std::string(term) + "': " + *e);
                }
                record.unknown_modifiers.push_back({name, value});
            }
            continue;
        }
        SpfMechanism mechanism;
        if (auto e = parse_mechanism(term, mechanism)) return fail(*e);
        if (mechanism.kind == SpfMechanismKind::all) record.has_all = true;
        record.mechanisms.push_back(std::move(mechanism));
    }
    result.record = std::move(record);
    return result;
}

}  // namespace relaylab::auth
