// DMARC policy records (RFC 7489 6.3, 6.4): the tag list published at _dmarc.<domain>.
// Following RFC 7489 6.3, "v" and "p" are required, unknown tags are ignored, and a syntax
// error in any other tag discards that tag in favour of its default (kept as a warning).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::auth {

inline constexpr std::size_t kMaxDmarcRecordLength = 8192;
inline constexpr std::size_t kMaxDmarcTags = 64;
inline constexpr std::size_t kMaxDmarcUris = 32;

enum class DmarcPolicy { none, quarantine, reject };
enum class DmarcAlignment { relaxed, strict };

std::string_view to_string(DmarcPolicy policy);
std::string_view to_string(DmarcAlignment alignment);

struct DmarcRecord {
    DmarcPolicy p = DmarcPolicy::none;
    std::optional<DmarcPolicy> sp;  // subdomain policy; p applies when absent
    DmarcAlignment adkim = DmarcAlignment::relaxed;
    DmarcAlignment aspf = DmarcAlignment::relaxed;
    unsigned pct = 100;
    std::vector<std::string> rua;  // dmarc-uri, size suffix included as written
    std::vector<std::string> ruf;
    std::vector<std::string> fo = {"0"};
    std::vector<std::string> rf = {"afrf"};
    std::uint32_t ri = 86400;
    // RFC 7489 6.6.3: p (or sp) was missing or invalid but rua names a valid URI, so the record
    // acts as "v=DMARC1; p=none".
    bool policy_defaulted = false;
    std::vector<std::string> warnings;  // tags discarded or ignored, with the reason
};

enum class DmarcRecordStatus {
    ok,
    not_dmarc,  // does not start with v=DMARC1 (such TXT records are discarded, RFC 7489 6.6.3)
    invalid,    // no valid p= (or an invalid sp=) and no valid rua=: no DMARC processing
};

struct DmarcParseResult {
    DmarcRecordStatus status = DmarcRecordStatus::not_dmarc;
    std::optional<DmarcRecord> record;  // set when status is ok
    std::string error;                  // set otherwise
};

// True for TXT records whose first tag is v=DMARC1 (the ones record discovery keeps).
bool is_dmarc_record(std::string_view txt);

DmarcParseResult parse_dmarc_record(std::string_view txt);

}  // namespace relaylab::auth
