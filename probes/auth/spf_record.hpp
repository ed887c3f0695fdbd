// SPF record parser (RFC 7208 4.5, 4.6, 5, 6, 12 ABNF). Sans-I/O: text in, a record or the
// reason for a permerror out. The whole record is checked before evaluation, because
// RFC 7208 4.6 requires syntax errors anywhere in the record to be detected.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/spf_ip.hpp"
#include "probes/auth/spf_result.hpp"

namespace relaylab::auth {

// RFC 7208 does not bound the record size beyond DNS; these keep hostile records cheap.
inline constexpr std::size_t kMaxSpfRecordLength = 8192;
inline constexpr std::size_t kMaxSpfTerms = 512;

enum class SpfMechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };

std::string_view to_string(SpfMechanismKind kind);

struct SpfMechanism {
    SpfResult qualifier = SpfResult::pass;  // pass, fail, softfail or neutral (RFC 7208 4.6.2)
    SpfMechanismKind kind = SpfMechanismKind::all;
    std::string domain_spec;           // macro-string target; empty means <domain> (a, mx, ptr)
    std::optional<IpAddress> network;  // ip4 and ip6
    unsigned cidr4 = 32;               // a, mx, ip4
    unsigned cidr6 = 128;              // a, mx, ip6
    std::string text;                  // the term as written, for reasons
};

struct SpfModifier {
    std::string name;  // lower case
    std::string value;
};

struct SpfRecord {
    std::vector<SpfMechanism> mechanisms;
    std::optional<std::string> redirect;  // domain-spec (RFC 7208 6.1)
    std::optional<std::string> exp;       // domain-spec (RFC 7208 6.2)
    std::vector<SpfModifier> unknown_modifiers;
    bool has_all = false;  // a redirect is ignored when the record has "all" (RFC 7208 6.1)
};

struct SpfParseResult {
    std::optional<SpfRecord> record;
    std::string error;  // set when record is empty: why the record is a permerror
};

// True when `txt` starts with "v=spf1" (case-insensitive) followed by a space or the end
// (RFC 7208 4.5): the records that take part in record selection.
bool is_spf_record(std::string_view txt);

SpfParseResult parse_spf_record(std::string_view txt);

}  // namespace relaylab::auth
