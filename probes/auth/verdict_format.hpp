// Verdicts rendered for their readers: the JSON object of `relaylab auth check --json` (and the
// fake MX API), a compact JSON text to keep per captured message, an Authentication-Results
// header field (RFC 8601) to prepend to the stored copy, and one word per method for rules.
//
// Reasons quote hostile input (d= values, From domains, record text): JSON strings are made
// valid UTF-8 and header text printable ASCII, so no message can break the output or inject
// a header line.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/authres.hpp"
#include "probes/auth/verdicts.hpp"

namespace relaylab::auth {

// Reasons in to_compact_json() are cut to this many octets ("..." marks a cut).
inline constexpr std::size_t compact_reason_bytes = 80;
// Comments and property values in Authentication-Results are cut to these.
inline constexpr std::size_t authres_comment_bytes = 200;
inline constexpr std::size_t authres_value_bytes = 255;

// {"spf": {"result", "reason"}, "dkim": [{"domain", "selector", "result", "reason"}],
//  "dmarc": {"result", "policy", "reason"}, "arc": {"result", "reason"}}
nlohmann::json to_json(const Verdicts& verdicts);
// The same object serialised without whitespace, to keep beside each of a million captured
// messages: a reason only for results other than pass and none, cut to compact_reason_bytes
// (about 150 octets for mail that passes, a few hundred for mail that fails).
std::string to_compact_json(const Verdicts& verdicts);

// spf, one dkim per signature (or dkim=none), dmarc with header.from, arc.
AuthenticationResults to_authentication_results(const Verdicts& verdicts);
// "Authentication-Results: id;\r\n\tspf=...;\r\n\tdkim=...\r\n": folded between results so
// that lines stay short (RFC 5322 2.1.1), ready to prepend to the message.
std::string authentication_results_field(const Verdicts& verdicts);

// One lower-case word per method, for behaviour rules ("dmarc == fail and policy == reject").
// The views point at static strings.
struct VerdictSummary {
    std::string_view spf;
    std::string_view dkim;  // pass if any signature passed, else the first one's result, else none
    std::string_view dmarc;
    std::string_view dmarc_policy;  // none, quarantine, reject
    std::string_view arc;
};
VerdictSummary summarize(const Verdicts& verdicts);
std::string_view dkim_summary(const std::vector<DkimVerdict>& dkim);

// Invalid UTF-8 sequences replaced by '?', so that JSON serialisation cannot throw.
std::string valid_utf8(std::string_view text);

}  // namespace relaylab::auth
