// Verdicts of the open-relay check from what the server answered, without I/O: each trick is
// judged on its MAIL and RCPT replies, and the group's summary on the tricks' verdicts.
//   RCPT (or MAIL) refused with 5xx: pass; deferred with 4xx: warn (undecided: greylisting,
//   a temporary policy failure); RCPT accepted with 2xx: fail, because a probe cannot tell
//   "accepted and would be relayed" from "accepted and would be dropped", and a spammer
//   cannot either until it has tried.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/smtp/reply.hpp"
#include "probes/common/check_result.hpp"
#include "probes/policy/open_relay_tricks.hpp"

namespace relaylab::probe {

inline constexpr std::string_view open_relay_group = "open-relay";

struct TrickOutcome {
    RelayTrick trick;
    std::optional<smtp::Reply> mail_reply;  // nullopt: the dialogue failed before it
    std::optional<smtp::Reply> rcpt_reply;  // nullopt: not sent (MAIL refused) or failed
    std::string failure;                    // the dialogue's failure text, empty when none
    std::vector<std::string> evidence;      // the dialogue lines of this trick
};

CheckResult judge_relay_trick(const TrickOutcome& outcome);

struct OpenRelaySummaryFacts {
    std::string local_domain;
    std::string local_domain_source;  // "--domain", "greeting", "EHLO" or "" when unknown
    std::string foreign_domain;
    std::vector<SkippedTrick> skipped;
    std::vector<std::string> evidence;  // the greeting and EHLO
};

// The group's result: the worst trick verdict, naming the tricks behind it.
CheckResult summarize_open_relay(const std::vector<CheckResult>& tricks,
                                 const OpenRelaySummaryFacts& facts);

// The one result of a check that could not start (no greeting, EHLO and HELO refused...).
CheckResult open_relay_not_tested(std::string reason, std::vector<std::string> evidence);

}  // namespace relaylab::probe
