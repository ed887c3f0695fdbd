// The server's EHLO reply as the facts a probe reports, sans-I/O: the name it announces and the
// service extensions it advertises (RFC 5321 4.1.1.1; PIPELINING RFC 2920, SIZE RFC 1870,
// STARTTLS RFC 3207, 8BITMIME RFC 6152, SMTPUTF8 RFC 6531, CHUNKING RFC 3030,
// ENHANCEDSTATUSCODES RFC 2034, DSN RFC 3461, AUTH RFC 4954).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/smtp/reply.hpp"

namespace relaylab::probe {

struct EhloFacts {
    std::string name;                   // first word of the first line (the server's domain)
    std::vector<std::string> keywords;  // upper-cased, one per line after the first, in order
    std::vector<std::string> lines;     // each extension line as sent (control octets visible)
    bool size_advertised = false;
    // SIZE's parameter: the fixed maximum in octets; 0 when SIZE has none or says 0 (no fixed
    // limit, RFC 1870 4); nullopt when the parameter is not a number (size_parameter has it).
    std::optional<std::uint64_t> size_limit;
    std::string size_parameter;
    std::vector<std::string> auth_mechanisms;  // upper-cased

    bool has(std::string_view keyword) const;  // keyword upper-case, e.g. "PIPELINING"
};

EhloFacts parse_ehlo(const smtp::Reply& reply);

// {"name", "extensions": [...], "size": N|null, "pipelining": bool, ...} for CheckResult details.
nlohmann::json to_json(const EhloFacts& facts);

}  // namespace relaylab::probe
