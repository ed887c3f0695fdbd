// Verdicts of the "limits" group (maximum message size, recipients per message, pipelining)
// from the replies the probe got, sans-I/O. The coroutine that gathers them is in
// banner_checks.cpp; it declares sizes with SIZE= and never sends message content.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/smtp/reply.hpp"
#include "probes/common/check_result.hpp"

namespace relaylab::probe {

// RFC 5321 4.5.3.1.8: a server must accept at least 100 recipients per message.
inline constexpr std::size_t rfc_minimum_recipients = 100;
// How many RCPT TO the recipients check sends at most: enough to see the RFC minimum honoured,
// few enough to stay polite. Beyond it the report says "more than N".
inline constexpr std::size_t recipients_probe_limit = 120;
// A server that slows each RCPT down (a tarpit) ends the count early rather than the probe.
inline constexpr std::chrono::seconds recipients_probe_budget{60};
// The pipelined batch: MAIL, RCPT, RCPT, RSET (RFC 2920 3.1: the client may send them at once).
inline constexpr std::size_t pipelined_commands = 4;

struct SizeFacts {
    bool advertised = false;
    std::optional<std::uint64_t> limit;  // EhloFacts::size_limit
    std::string parameter;               // SIZE's parameter when it is not a number
    std::uint64_t declared = 0;          // the SIZE= the probe declared (limit + 1)
    std::optional<smtp::Reply> reply;    // to MAIL FROM:<...> SIZE=declared
};
// "limits.size": SIZE advertised and a declared size over it refused with 552 / 5.3.4 pass;
// refused otherwise pass (noted); refused for now (4xx) warn; accepted warn (the refusal comes
// after the whole message); SIZE without a fixed limit or not advertised warn (RFC 1870).
CheckResult judge_size(const SizeFacts& facts);

struct RecipientFacts {
    std::string recipient;
    std::optional<smtp::Reply> mail_reply;
    std::size_t accepted = 0;            // RCPT TO answered 2xx before the first refusal
    std::optional<smtp::Reply> refusal;  // the first RCPT reply that was not 2xx
    std::size_t limit_tried = recipients_probe_limit;
    bool budget_exhausted = false;  // stopped by recipients_probe_budget
};
// "limits.recipients": the limit found (452 4.5.3 after N) or "more than N". Fewer than 100
// warn (RFC 5321 4.5.3.1.8); a permanent 5xx for "too many" warn (4.5.3.1.10 wants 452, or
// senders bounce the rest); MAIL or the first RCPT refused error (give --from / --rcpt).
CheckResult judge_recipients(const RecipientFacts& facts);

struct PipeliningFacts {
    bool advertised = false;
    std::vector<smtp::Reply> replies;  // in the order they came
    std::string failure;  // why the replies stopped (timeout, closed), empty when all came
};
// "limits.pipelining": PIPELINING advertised and all four replies in order pass, fewer fail;
// not advertised warn (RFC 2920 is universal), with whether the server refused the pipelined
// batch (Postfix's reject_unauth_pipelining) in details.
CheckResult judge_pipelining(const PipeliningFacts& facts);

}  // namespace relaylab::probe
