// The verdicts of the SMTP smuggling checks, from facts gathered elsewhere (sans-I/O, so every
// rule below has a table test in tests/unit/probe_smuggling).
//
// Inbound ("smuggling.<variant>"): one transaction per look-alike; after 354 the probe sends a
// message whose body holds the look-alike followed by a NOOP line, waits --quiet-wait for a
// reply that a correct server never sends, then sends the rest and the real <CRLF>.<CRLF>.
//   fail   a reply came right after the look-alike: the server ended DATA there (and the NOOP
//          after it was run as a command when a second reply came) — unless it was the only
//          reply, negative, and the server hung up (Postfix 3.8.4+ smtpd_forbid_bare_newline
//          answers "521 5.5.2 bare <LF> received" and disconnects): that is a pass.
//   pass   the message was refused (5xx) at the real end of data: the server refuses bare
//          newlines (Postfix smtpd_forbid_bare_newline=reject, our fake MX's default).
//   warn   the message was accepted (2xx) at the real end and the look-alike holds a bare CR
//          or LF: no end of data here, but the server keeps and passes on bare newlines to
//          whatever reads or relays the message next, and a downstream receiver may take them
//          for one (Postfix's smtpd_forbid_bare_newline exists to refuse them).
//   pass   also when a look-alike with NULs but no bare newline (<CRLF>.<NUL><CRLF>) is kept as
//          content: that is what SEC Consult's scanner calls not vulnerable, and no common
//          receiver has a setting to refuse NULs.
//   error  the check could not decide: the transaction could not be set up (connect, EHLO,
//          MAIL, RCPT or DATA failed or refused), the server hung up right after the look-alike
//          without a reply, the real end got a 4xx, or the final reply never came.
//
// Outbound ("smuggling-outbound.<variant>"): the same message submitted to a relay for a
// recipient it routes to the probe's sink; what arrives between the message's begin marker and
// its NOOP line is compared with the look-alike sent.
//   fail   the relay itself ended DATA at the look-alike (as inbound); or it forwarded the
//          look-alike unchanged; or it turned it into a real <CRLF>.<CRLF>.
//   pass   the relay refused the message at submission (5xx, or the inbound pass case), or
//          forwarded it with the look-alike normalized (no bare CR/LF, no NUL left), or with
//          no dot left (".<NUL>" unstuffed to "<NUL>" by RFC 5321 4.5.2).
//   warn   it forwarded the look-alike altered but still with bare CR/LF or NUL.
//   error  as inbound; or accepted but nothing arrived at the sink within --sink-wait; or it
//          arrived without the markers around the look-alike.
//
// The group summaries ("smuggling", "smuggling-outbound") carry the worst verdict and list the
// variants by outcome in details.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness/smtp/reply.hpp"
#include "probes/common/check_result.hpp"
#include "probes/policy/smuggling_variants.hpp"

namespace relaylab::probe {

// What one submission of a test message gave.
struct SmugglingExchange {
    // The transaction could not reach the message (connect, greeting, EHLO, AUTH, MAIL, RCPT or
    // DATA failed or was refused): why, in a line. Nothing below is set then.
    std::optional<std::string> setup_problem;
    // A reply right after the look-alike (must not come), and a second one: the NOOP's.
    std::optional<smtp::Reply> early_reply;
    std::optional<smtp::Reply> smuggled_reply;
    bool closed_after_early_reply = false;  // the server hung up after early_reply
    bool closed_after_lookalike = false;    // hung up right after it without a reply
    // The reply to the real <CRLF>.<CRLF>, or the failure that stopped it ("timed out ...").
    std::optional<smtp::Reply> final_reply;
    std::string final_failure;
    std::vector<std::string> evidence;  // the dialogue as transcript lines
};

// What the sink saw of one outbound variant.
struct SmugglingArrival {
    bool arrived = false;  // a message with the variant's X-Relaylab-Smuggling header came
    // The octets between the begin marker and the NOOP line, as the relay sent them (with its
    // dot-stuffing); nullopt when the markers were not both found.
    std::optional<std::string> forwarded;
    std::vector<std::string> evidence;  // "sink: ..." lines
};

CheckResult judge_smuggling(const SmugglingVariant& variant, const SmugglingExchange& exchange);

CheckResult judge_outbound_smuggling(const SmugglingVariant& variant,
                                     const SmugglingExchange& exchange,
                                     const SmugglingArrival& arrival,
                                     std::chrono::milliseconds sink_wait);

// The group's summary: `group` is "smuggling" or "smuggling-outbound"; `results` the per-variant
// results in order; `not_tried` the variants skipped after `stopped_because` (a setup failure
// that every further transaction would repeat).
CheckResult summarize_smuggling(std::string_view group, const std::vector<CheckResult>& results,
                                const std::vector<std::string>& not_tried,
                                const std::string& stopped_because);

}  // namespace relaylab::probe
