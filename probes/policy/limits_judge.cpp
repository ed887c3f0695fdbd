#include "probes/policy/limits_judge.hpp"

#include <algorithm>
#include <cctype>

#include "probes/common/transcript.hpp"

namespace relaylab::probe {

namespace {

std::string summary(const smtp::Reply& reply) {
    return visible_bytes(reply.summary());
}

bool mentions_pipelining(const smtp::Reply& reply) {
    std::string text = reply.text();
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text.find("pipelining") != std::string::npos;
}

nlohmann::json codes(const std::vector<smtp::Reply>& replies) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : replies)
        out.push_back(r.code);
    return out;
}

}  // namespace

CheckResult judge_size(const SizeFacts& facts) {
    CheckResult result;
    result.name = "limits.size";
    result.details = {{"advertised", facts.advertised},
                      {"size", facts.limit ? nlohmann::json(*facts.limit) : nlohmann::json()},
                      {"declared", nullptr},
                      {"refused", nullptr}};
    result.verdict = Verdict::warn;
    if (!facts.advertised) {
        result.explanation =
            "no SIZE advertised (RFC 1870): senders learn the size limit only "
            "after sending the whole message";
        return result;
    }
    if (!facts.limit) {
        result.details["size_parameter"] = facts.parameter;
        result.explanation = "SIZE parameter '" + facts.parameter + "' is not a number (RFC 1870)";
        return result;
    }
    if (*facts.limit == 0) {
        result.explanation = "SIZE advertised without a fixed limit: no message is too big";
        return result;
    }
    const std::string limit = std::to_string(*facts.limit);
    result.details["declared"] = facts.declared;
    if (!facts.reply) {
        result.verdict = Verdict::error;
        result.explanation = "SIZE " + limit + " advertised, no reply to MAIL FROM with SIZE=" +
                             std::to_string(facts.declared);
        return result;
    }
    const smtp::Reply& reply = *facts.reply;
    result.details["code"] = reply.code;
    result.details["enhanced"] = reply.enhanced;
    result.details["refused"] = !reply.positive();
    if (reply.code == 552 || reply.enhanced == "5.3.4") {
        result.verdict = Verdict::pass;
        result.explanation =
            "SIZE " + limit + " advertised; a declared size over it is refused: " + summary(reply);
    } else if (reply.permanent()) {
        result.verdict = Verdict::pass;
        result.explanation = "SIZE " + limit + " advertised; a declared size over it is refused (" +
                             summary(reply) + "; RFC 1870 6 says 552)";
    } else if (reply.transient()) {
        result.explanation = "SIZE " + limit +
                             " advertised, but a declared size over it gets a "
                             "temporary refusal (" +
                             summary(reply) +
                             "): senders retry a message "
                             "that can never fit";
    } else {
        result.explanation = "SIZE " + limit + " advertised, but MAIL FROM with SIZE=" +
                             std::to_string(facts.declared) +
                             " was accepted: the refusal comes only after the whole message";
    }
    return result;
}

CheckResult judge_recipients(const RecipientFacts& facts) {
    CheckResult result;
    result.name = "limits.recipients";
    result.details = {{"recipient", facts.recipient},
                      {"accepted", facts.accepted},
                      {"limit", nullptr},
                      {"tried_up_to", facts.limit_tried},
                      {"budget_exhausted", facts.budget_exhausted}};
    if (!facts.mail_reply || !facts.mail_reply->positive()) {
        result.verdict = Verdict::error;
        result.explanation =
            facts.mail_reply ? "MAIL FROM refused (" + summary(*facts.mail_reply) +
                                   "): cannot count recipients (give --from a sender it accepts)"
                             : "no reply to MAIL FROM: cannot count recipients";
        return result;
    }
    const std::string n = std::to_string(facts.accepted);
    if (facts.refusal) {
        const smtp::Reply& refusal = *facts.refusal;
        result.details["refusal_code"] = refusal.code;
        result.details["refusal_enhanced"] = refusal.enhanced;
        if (facts.accepted == 0) {
            result.verdict = Verdict::error;
            result.explanation = "RCPT TO:<" + visible_bytes(facts.recipient) + "> refused (" +
                                 summary(refusal) + "): give --rcpt a recipient the server accepts";
            return result;
        }
        result.details["limit"] = facts.accepted;
        const bool too_few = facts.accepted < rfc_minimum_recipients;
        // RFC 5321 4.5.3.1.10: "too many recipients" is 452 so that the client sends the rest in
        // another transaction; a 5xx there makes the client bounce them.
        if (refusal.permanent()) {
            result.verdict = Verdict::warn;
            result.explanation = "accepts " + n +
                                 " recipients per message, then refuses for good (" +
                                 summary(refusal) + "; RFC 5321 4.5.3.1.10 says 452)";
        } else if (too_few) {
            result.verdict = Verdict::warn;
            result.explanation = "accepts only " + n + " recipients per message (" +
                                 summary(refusal) + "); RFC 5321 4.5.3.1.8 requires 100";
        } else {
            result.verdict = Verdict::pass;
            result.explanation =
                "accepts " + n + " recipients per message, then " + summary(refusal);
        }
        return result;
    }
    if (facts.budget_exhausted) {
        const bool enough = facts.accepted >= rfc_minimum_recipients;
        result.verdict = enough ? Verdict::pass : Verdict::warn;
        result.explanation = "accepted " + n + " recipients before the probe's " +
                             std::to_string(recipients_probe_budget.count()) +
                             " s budget ran out (slow replies: a tarpit?)";
        return result;
    }
    result.verdict = facts.accepted >= rfc_minimum_recipients ? Verdict::pass : Verdict::warn;
    result.explanation = "accepts more than " + std::to_string(facts.accepted) +
                         " recipients per message (the probe stopped there)";
    return result;
}

CheckResult judge_pipelining(const PipeliningFacts& facts) {
    CheckResult result;
    result.name = "limits.pipelining";
    const std::size_t got = facts.replies.size();
    const bool pipelining_refused =
        std::any_of(facts.replies.begin(), facts.replies.end(),
                    [](const smtp::Reply& r) { return r.code == 503 || mentions_pipelining(r); });
    result.details = {{"advertised", facts.advertised},
                      {"commands", pipelined_commands},
                      {"replies", got},
                      {"codes", codes(facts.replies)}};
    if (!facts.failure.empty()) result.details["failure"] = facts.failure;
    const std::string answered = std::to_string(got) + " of " + std::to_string(pipelined_commands);
    if (facts.advertised) {
        if (got < pipelined_commands) {
            result.verdict = Verdict::fail;
            result.explanation = "PIPELINING advertised but only " + answered +
                                 " pipelined commands were answered" +
                                 (facts.failure.empty() ? "" : " (" + facts.failure + ")");
        } else if (!facts.replies.back().positive()) {
            result.verdict = Verdict::fail;
            result.explanation =
                "PIPELINING advertised but the reply to the last pipelined "
                "command (RSET) is " +
                summary(facts.replies.back()) + ": replies out of step";
        } else {
            result.verdict = Verdict::pass;
            result.explanation =
                "PIPELINING advertised; all " + answered + " pipelined commands answered in order";
        }
        return result;
    }
    const bool refused = pipelining_refused || got < pipelined_commands;
    result.details["refuses_unadvertised_pipelining"] = refused;
    result.verdict = Verdict::warn;
    result.explanation =
        std::string("PIPELINING not advertised (RFC 2920), every command costs a round trip; ") +
        (refused ? "commands pipelined anyway are refused (" + answered + " answered)"
                 : "commands pipelined anyway are answered");
    return result;
}

}  // namespace relaylab::probe
