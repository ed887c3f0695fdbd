// SPF macro strings (RFC 7208 7): syntax checking, expansion, and the domain-spec rule that a
// target name ends in a macro or a valid top label (RFC 7208 7.1, domain-end).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relaylab::auth {

enum class MacroContext {
    domain_spec,  // in mechanisms and modifiers: letters s l o d i p h v, no spaces
    explanation,  // the TXT record named by exp=: also c r t, and spaces (RFC 7208 6.2)
};

// Empty when `text` is a valid macro-string; otherwise what is wrong and where.
std::optional<std::string> macro_syntax_error(std::string_view text, MacroContext context);

// Empty when `text` is a valid domain-spec (macro-string plus domain-end); otherwise the reason.
std::optional<std::string> domain_spec_error(std::string_view text);

// True when `text` contains a %{p} macro, whose value needs DNS lookups (RFC 7208 7.3).
bool uses_p_macro(std::string_view text);

struct MacroValues {
    std::string sender;         // s
    std::string local_part;     // l
    std::string sender_domain;  // o
    std::string domain;         // d: the <domain> of the current check_host()
    std::string ip_dotted;      // i
    std::string ip_readable;    // c
    std::string ptr_name;       // p: validated name, or "unknown"
    std::string ip_version;     // v: "in-addr" or "ip6"
    std::string helo;           // h
    std::string receiver;       // r
    std::string timestamp;      // t
};

// The expansion, or nullopt when `text` is not a valid macro-string in `context`.
std::optional<std::string> expand_macros(std::string_view text, const MacroValues& values,
                                         MacroContext context);

// RFC 7208 7.3: an expanded name longer than 253 characters loses labels from the left.
std::string truncate_domain(std::string name);

}  // namespace relaylab::auth
