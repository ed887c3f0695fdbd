// Group "limits": one connection that declares an oversized message with SIZE= (no content is
// ever sent), counts the recipients one transaction takes (the same --rcpt repeated, then RSET:
// nothing is delivered) and pipelines MAIL/RCPT/RCPT/RSET. Judged by limits_judge.
#include <limits>

#include <chrono>
#include "probes/policy/banner_checks.hpp"
#include "probes/policy/banner_session.hpp"
#include "probes/policy/limits_judge.hpp"

namespace relaylab::probe {

namespace {

// A recipients count is a few hundred near-identical lines; these many at each end tell it all.
constexpr std::size_t evidence_lines_kept_at_each_end = 8;

// The transcript lines from `mark` on, the middle of a long run left out.
std::vector<std::string> lines_since(Dialogue& dialogue, std::size_t mark) {
    const auto& lines = dialogue.transcript().lines();
    std::vector<std::string> out;
    if (mark >= lines.size()) return out;
    const std::size_t count = lines.size() - mark;
    const std::size_t keep = evidence_lines_kept_at_each_end;
    if (count <= 2 * keep + 1)
        return {lines.begin() + static_cast<std::ptrdiff_t>(mark), lines.end()};
    out.assign(lines.begin() + static_cast<std::ptrdiff_t>(mark),
               lines.begin() + static_cast<std::ptrdiff_t>(mark + keep));
    out.push_back("-- " + std::to_string(count - 2 * keep) + " lines like these left out");
    out.insert(out.end(), lines.end() - static_cast<std::ptrdiff_t>(keep), lines.end());
    return out;
}

CheckResult undecided(std::string name, const std::string& why, std::vector<std::string> evidence) {
    return make_result(std::move(name), Verdict::error, why, std::move(evidence));
}

}  // namespace

boost::asio::awaitable<std::vector<CheckResult>> run_limits_checks(ProbeContext& context) {
    const ProbeOptions& options = context.options;
    Dialogue dialogue(context.executor, options.timeouts);
    const SessionStart start = co_await open_session(dialogue, context);
    std::vector<CheckResult> results;
    if (!start.ready()) {
        results.push_back(undecided("limits",
                                    "could not start a session: " + start.why_not_ready(dialogue),
                                    dialogue.transcript().lines()));
        co_await dialogue.quit();
        co_return results;
    }
    const std::string mail_from = "MAIL FROM:<" + options.mail_from + ">";
    const std::string rcpt_to = "RCPT TO:<" + options.recipient() + ">";

    // Maximum message size: declared, never sent (RFC 1870 6.1 lets the server refuse MAIL).
    std::size_t mark = dialogue.transcript().lines().size();
    SizeFacts size{.advertised = start.facts.size_advertised,
                   .limit = start.facts.size_limit,
                   .parameter = start.facts.size_parameter};
    if (size.limit && *size.limit > 0 && *size.limit < std::numeric_limits<std::uint64_t>::max()) {
        size.declared = *size.limit + 1;
        size.reply =
            co_await dialogue.command(mail_from + " SIZE=" + std::to_string(size.declared));
        // RSET whatever the answer: Postfix 3.7 keeps a refused MAIL's SIZE= and refuses the
        // next MAIL without one with the same 552 until RSET.
        if (size.reply) co_await dialogue.command("RSET");
    }
    if (dialogue.failed()) {
        results.push_back(
            undecided("limits.size", dialogue.failure().text(), lines_since(dialogue, mark)));
    } else {
        results.push_back(judge_size(size));
        results.back().add_evidence(lines_since(dialogue, mark));
    }

    // Recipients per message: the same recipient again and again, then RSET.
    mark = dialogue.transcript().lines().size();
    RecipientFacts recipients{.recipient = options.recipient()};
    if (!dialogue.failed()) {
        recipients.mail_reply = co_await dialogue.command(mail_from);
        if (recipients.mail_reply && recipients.mail_reply->positive()) {
            const auto deadline = std::chrono::steady_clock::now() + recipients_probe_budget;
            while (recipients.accepted < recipients.limit_tried) {
                if (std::chrono::steady_clock::now() > deadline) {
                    recipients.budget_exhausted = true;
                    break;
                }
                auto reply = co_await dialogue.command(rcpt_to);
                if (!reply) break;
                if (!reply->positive()) {
                    recipients.refusal = std::move(reply);
                    break;
                }
                ++recipients.accepted;
            }
        }
        if (!dialogue.failed()) co_await dialogue.command("RSET");
        if (dialogue.failed()) {
            results.push_back(undecided("limits.recipients",
                                        "after " + std::to_string(recipients.accepted) +
                                            " recipients accepted: " + dialogue.failure().text(),
                                        lines_since(dialogue, mark)));
        } else {
            results.push_back(judge_recipients(recipients));
            results.back().add_evidence(lines_since(dialogue, mark));
        }
    } else {
        results.push_back(
            undecided("limits.recipients", "not tried: " + dialogue.failure().text(), {}));
    }

    // Pipelining (RFC 2920): four commands in one write, then their replies in order.
    mark = dialogue.transcript().lines().size();
    PipeliningFacts pipelining{.advertised = start.facts.has("PIPELINING")};
    if (dialogue.failed()) {
        results.push_back(
            undecided("limits.pipelining", "not tried: " + dialogue.failure().text(), {}));
    } else if (!co_await dialogue.send(mail_from + "\r\n" + rcpt_to + "\r\n" + rcpt_to +
                                       "\r\nRSET\r\n")) {
        results.push_back(
            undecided("limits.pipelining", dialogue.failure().text(), lines_since(dialogue, mark)));
    } else {
        while (pipelining.replies.size() < pipelined_commands) {
            // Without PIPELINING a server may drop what came ahead of time (the point of
            // Postfix's reject_unauth_pipelining): after the first reply, wait only briefly.
            const bool must_answer = pipelining.advertised || pipelining.replies.empty();
            // Two statements, not `?:` over two co_awaits: g++ 12 miscompiles that (the
            // frame's temporaries are destroyed twice).
            std::optional<smtp::Reply> reply;
            if (must_answer) {
                reply = co_await dialogue.read_reply();
            } else {
                reply = co_await dialogue.poll_reply(options.quiet_wait);
            }
            if (!reply) break;
            pipelining.replies.push_back(std::move(*reply));
        }
        if (dialogue.failed()) pipelining.failure = dialogue.failure().text();
        if (pipelining.replies.empty()) {
            results.push_back(undecided("limits.pipelining",
                                        "no reply to pipelined commands: " + pipelining.failure,
                                        lines_since(dialogue, mark)));
        } else {
            results.push_back(judge_pipelining(pipelining));
            results.back().add_evidence(lines_since(dialogue, mark));
        }
    }
    co_await dialogue.quit();
    co_return results;
}

}  // namespace relaylab::probe
