// The DNS side of MTA-STS (RFC 8461 3.1) and TLS-RPT (RFC 8460 3): the TXT records at
// _mta-sts.<domain> and _smtp._tls.<domain>, parsed and chosen as a sending MTA would. Both
// are "v=...; key=value; ..." lists with the same separators. Sans-I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relaylab::probe {

// Bounds from the grammars: an id is 1*32 ALPHA/DIGIT, an extension name at most 32 octets.
inline constexpr std::size_t max_sts_id_octets = 32;
inline constexpr std::size_t max_extension_name_octets = 32;

// "k=v" pairs in order, separated by *WSP ";" *WSP, a trailing ";" allowed. nullopt with
// `error` set when a part has no "=", an empty value, or a name outside the grammar.
using TagList = std::vector<std::pair<std::string, std::string>>;
std::optional<TagList> parse_tag_list(std::string_view text, std::string& error);

struct StsRecord {
    std::string id;
    TagList extensions;  // fields other than v and id, kept for the report
};

// One record's text; nullopt with `error` ("id missing", "id 'x!' is not 1-32 letters or
// digits") when it is not a valid STSv1 record.
std::optional<StsRecord> parse_sts_record(std::string_view text, std::string& error);

// Of all TXT strings found, those that a sender considers: the ones beginning "v=STSv1"
// (RFC 8461 3.1 says others are discarded). Same for "v=TLSRPTv1" (RFC 8460 3).
std::vector<std::string> sts_candidates(const std::vector<std::string>& txt_records);
std::vector<std::string> tls_rpt_candidates(const std::vector<std::string>& txt_records);

struct TlsRptRecord {
    std::vector<std::string> rua;  // "mailto:tlsrpt@example.net", "https://reports.example/"
    TagList extensions;
};

// One record's text; nullopt with `error` when it is not a valid TLSRPTv1 record (no rua, a URI
// that is neither mailto: with an address nor https: with a host, ...).
std::optional<TlsRptRecord> parse_tls_rpt_record(std::string_view text, std::string& error);

}  // namespace relaylab::probe
