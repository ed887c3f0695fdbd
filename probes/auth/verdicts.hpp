// What a receiver concluded about one message: SPF, every DKIM signature, DMARC and ARC, each
// with a reason a person can act on. Produced by MessageJudge (message_judge.hpp); rendered by
// verdict_format.hpp (JSON, compact JSON, Authentication-Results, a summary for rules).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "probes/auth/arc_verify.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "probes/auth/dmarc_eval.hpp"
#include "probes/auth/spf_result.hpp"

namespace relaylab::auth {

struct SpfVerdict {
    SpfResult result = SpfResult::none;
    std::string reason;
    // The domain SPF authenticated: MAIL FROM's, or HELO's for the null reverse-path
    // (RFC 7208 2.4); `identity` says which, for smtp.mailfrom vs smtp.helo (RFC 8601 2.7.2).
    std::string domain;
    SpfIdentity identity = SpfIdentity::mail_from;
};

struct DmarcVerdict {
    DmarcResult result = DmarcResult::none;
    // What to do with this message (pct= and sp= applied), not merely the published p=.
    DmarcPolicy policy = DmarcPolicy::none;
    std::string reason;
    std::string domain;  // the RFC5322.From domain, when there was exactly one
};

struct Verdicts {
    std::string authserv_id;  // who judged: the first word of Authentication-Results
    SpfVerdict spf;
    std::vector<DkimVerdict> dkim;  // one per DKIM-Signature field, top first; empty: none
    DmarcVerdict dmarc;
    ArcVerdict arc;
    std::size_t dns_queries = 0;  // queries handed to the driver (deduplicated)
    // The driver's time budget ran out: unanswered queries counted as timeouts, so some
    // verdicts are temperror for want of time rather than because DNS said so.
    bool dns_budget_exhausted = false;
};

}  // namespace relaylab::auth
