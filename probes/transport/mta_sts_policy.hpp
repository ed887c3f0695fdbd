// The MTA-STS policy file (RFC 8461 3.2) and MX host matching (RFC 8461 4.1). Sans-I/O: the
// text comes from whoever fetched it (mta_sts_checks.cpp over HTTPS, a test from a string).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relaylab::probe {

// RFC 8461 3.2: max_age is at most 31557600 seconds (about a year).
inline constexpr std::uint64_t max_sts_max_age = 31557600;
// Under a day a policy barely protects anything: RFC 8461 3.2 suggests weeks or more.
inline constexpr std::uint64_t short_sts_max_age = 86400;
// The policy body accepted from a server (RFC 8461 sets none; real policies are a few hundred
// octets) and how many mx patterns are kept.
inline constexpr std::size_t max_sts_policy_octets = 64 * 1024;
inline constexpr std::size_t max_sts_mx_patterns = 100;
// RFC 1035 2.3.4: a domain name is at most 253 octets in text form.
inline constexpr std::size_t max_domain_octets = 253;

enum class StsMode { enforce, testing, none };
std::string_view to_string(StsMode mode);

struct StsPolicy {
    StsMode mode = StsMode::none;
    std::uint64_t max_age = 0;
    std::vector<std::string> mx;     // patterns as written, lower-cased: "mx1.example.net"
    std::vector<std::string> notes;  // tolerated oddities: "mode given twice: the first is used"
    std::vector<std::pair<std::string, std::string>> extensions;  // unknown fields (ignored)
};

struct StsPolicyParse {
    std::optional<StsPolicy> policy;
    std::string error;  // "line 3: max_age '99999999999' is above 31557600"
};

// Lines end in CRLF or LF; each is "key:" *WSP value. Unknown keys are ignored (3.2); version
// (STSv1), mode and max_age are required, mx at least once unless mode is none.
StsPolicyParse parse_sts_policy(std::string_view text);

// "media type is text/plain", parameters (charset) aside, case aside (RFC 8461 3.2).
bool is_text_plain(std::string_view content_type);

// RFC 8461 4.1: "mx.example.net" matches that name only; "*.example.net" matches one more
// label ("a.example.net", not "example.net" nor "a.b.example.net"). Case and a trailing dot
// aside.
bool mx_pattern_matches(std::string_view pattern, std::string_view host);
// The first pattern that matches `host`, or nullopt.
std::optional<std::string> matching_pattern(const std::vector<std::string>& patterns,
                                            std::string_view host);

}  // namespace relaylab::probe
