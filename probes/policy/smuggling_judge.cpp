#include "probes/policy/smuggling_judge.hpp"

#include <string_view>

#include "probes/common/transcript.hpp"

namespace relaylab::probe {

namespace {

std::string shown(const SmugglingVariant& variant) {
    return visible_bytes(variant.bytes);
}

bool has_nul(std::string_view bytes) {
    return bytes.find('\0') != std::string_view::npos;
}

// What the look-alike carries that a downstream receiver may misread.
std::string what_it_carries(const SmugglingVariant& variant) {
    const bool bare = has_bare_newline(variant.bytes);
    const bool nul = has_nul(variant.bytes);
    if (bare && nul) return "bare newlines and NULs";
    if (nul) return "NULs";
    return "bare newlines";
}

nlohmann::json reply_json(const smtp::Reply& reply) {
    return {{"code", reply.code}, {"text", reply.summary()}};
}

CheckResult base(std::string name, const SmugglingVariant& variant,
                 const SmugglingExchange& exchange) {
    CheckResult result;
    result.name = std::move(name);
    result.details["variant"] = std::string(variant.name);
    result.details["sequence"] = shown(variant);
    if (exchange.early_reply) result.details["early_reply"] = reply_json(*exchange.early_reply);
    if (exchange.smuggled_reply) {
        result.details["smuggled_command_reply"] = reply_json(*exchange.smuggled_reply);
    }
    if (exchange.final_reply) result.details["final_reply"] = reply_json(*exchange.final_reply);
    result.add_evidence(exchange.evidence);
    return result;
}

void set(CheckResult& result, Verdict verdict, std::string explanation, std::string outcome) {
    result.verdict = verdict;
    result.explanation = std::move(explanation);
    result.details["outcome"] = std::move(outcome);
}

// The part both directions share: everything decided at the submitting side. Returns false
// when the message was accepted at the real end (the caller decides that case).
bool judge_submission(CheckResult& result, const SmugglingVariant& variant,
                      const SmugglingExchange& exchange, std::string_view who) {
    const std::string seq = shown(variant);
    if (exchange.setup_problem) {
        set(result, Verdict::error, "could not submit a test message: " + *exchange.setup_problem,
            "not-submitted");
        return true;
    }
    if (exchange.early_reply) {
        const smtp::Reply& early = *exchange.early_reply;
        if (exchange.closed_after_early_reply && !exchange.smuggled_reply &&
            (early.transient() || early.permanent())) {
            set(result, Verdict::pass,
                std::string(who) + " refused " + seq + " at once (" + early.summary() +
                    ") and closed the connection: it did not read on as commands",
                "refused-and-closed");
            return true;
        }
        std::string explanation = std::string(who) + " ends DATA at " + seq + ": it answered " +
                                  early.summary() + " right after it";
        if (exchange.smuggled_reply) {
            explanation += ", then ran the NOOP that followed as a command (" +
                           exchange.smuggled_reply->summary() + ")";
        }
        set(result, Verdict::fail, explanation + " - an SMTP smuggling target", "ends-data");
        return true;
    }
    if (exchange.closed_after_lookalike) {
        set(result, Verdict::error,
            std::string(who) + " closed the connection right after " + seq +
                " without a reply: cannot tell whether it ended DATA there",
            "closed");
        return true;
    }
    if (!exchange.final_reply) {
        set(result, Verdict::error,
            "no reply to the end of data after " + seq + ": " +
                (exchange.final_failure.empty() ? "the dialogue stopped" : exchange.final_failure),
            "no-final-reply");
        return true;
    }
    const smtp::Reply& final_reply = *exchange.final_reply;
    if (final_reply.permanent()) {
        set(result, Verdict::pass,
            std::string(who) + " refused the message holding " + seq + " (" +
                final_reply.summary() + "): it does not take " + what_it_carries(variant) +
                " in DATA",
            "refused");
        return true;
    }
    if (!final_reply.positive()) {
        set(result, Verdict::error,
            std::string(who) + " answered " + final_reply.summary() + " to the message holding " +
                seq + ": cannot tell whether it accepts it",
            "deferred");
        return true;
    }
    return false;
}

}  // namespace

CheckResult judge_smuggling(const SmugglingVariant& variant, const SmugglingExchange& exchange) {
    CheckResult result = base("smuggling." + std::string(variant.name), variant, exchange);
    if (judge_submission(result, variant, exchange, "the server")) return result;
    if (!has_bare_newline(variant.bytes)) {
        set(result, Verdict::pass,
            "kept " + shown(variant) + " as message content (" + exchange.final_reply->summary() +
                "): no end of data here",
            "accepted");
        return result;
    }
    set(result, Verdict::warn,
        "accepted " + shown(variant) + " as message content (" + exchange.final_reply->summary() +
            "): no end of data here, but it keeps and passes on " + what_it_carries(variant) +
            " that a downstream receiver may take for one",
        "accepted");
    return result;
}

CheckResult judge_outbound_smuggling(const SmugglingVariant& variant,
                                     const SmugglingExchange& exchange,
                                     const SmugglingArrival& arrival,
                                     std::chrono::milliseconds sink_wait) {
    CheckResult result = base("smuggling-outbound." + std::string(variant.name), variant, exchange);
    result.add_evidence(arrival.evidence);
    if (judge_submission(result, variant, exchange, "the relay")) return result;
    const std::string seq = shown(variant);
    result.details["arrived"] = arrival.arrived;
    if (!arrival.arrived) {
        set(result, Verdict::error,
            "the relay accepted the message holding " + seq + " (" +
                exchange.final_reply->summary() + ") but it did not arrive at the sink within " +
                std::to_string(sink_wait.count()) + " ms",
            "not-arrived");
        return result;
    }
    if (!arrival.forwarded) {
        set(result, Verdict::error,
            "the message holding " + seq +
                " arrived at the sink without the markers around the look-alike: cannot tell "
                "what the relay did with it",
            "markers-lost");
        return result;
    }
    const std::string& forwarded = *arrival.forwarded;
    const std::string forwarded_shown = visible_bytes(forwarded);
    result.details["forwarded"] = forwarded_shown;
    if (forwarded == variant.bytes) {
        set(result, Verdict::fail,
            "the relay forwarded " + seq +
                " unchanged: a receiver that ends DATA there runs what follows as commands",
            "forwarded-unchanged");
        return result;
    }
    // The begin marker line has content, so a real end needs its own CRLF inside the octets.
    if (forwarded.find("\r\n.\r\n") != std::string::npos) {
        set(result, Verdict::fail,
            "the relay turned " + seq + " into a real end of data (" + forwarded_shown +
                "): what follows reaches the next receiver as commands",
            "made-real-end");
        return result;
    }
    if (!has_bare_newline(forwarded) && !has_nul(forwarded)) {
        set(result, Verdict::pass,
            "the relay normalized " + seq + " to " + forwarded_shown + " before forwarding it",
            "normalized");
        return result;
    }
    // No dot left (RFC 5321 4.5.2 unstuffing took ".<NUL>" to "<NUL>"): no look-alike either.
    if (forwarded.find('.') == std::string::npos) {
        set(result, Verdict::pass,
            "the relay forwarded " + seq + " as " + forwarded_shown +
                ": no dot line left, so no end-of-data look-alike",
            "dot-removed");
        return result;
    }
    set(result, Verdict::warn,
        "the relay forwarded " + seq + " altered, as " + forwarded_shown +
            ", still with bare newlines or NULs",
        "forwarded-altered");
    return result;
}

CheckResult summarize_smuggling(std::string_view group, const std::vector<CheckResult>& results,
                                const std::vector<std::string>& not_tried,
                                const std::string& stopped_because) {
    CheckResult summary;
    summary.name = std::string(group);
    Verdict verdict = Verdict::pass;
    nlohmann::json verdicts = nlohmann::json::object();
    std::vector<std::string> by_verdict[4];
    const std::size_t prefix = group.size() + 1;
    for (const auto& result : results) {
        verdict = worst(verdict, result.verdict);
        std::string variant =
            result.name.size() > prefix ? result.name.substr(prefix) : result.name;
        verdicts[variant] = to_string(result.verdict);
        by_verdict[static_cast<int>(result.verdict)].push_back(variant);
        summary.add_evidence(std::string(to_string(result.verdict)) + " " + variant + ": " +
                             result.explanation);
    }
    summary.details["variants"] = verdicts;
    if (!not_tried.empty()) summary.details["not_tried"] = not_tried;
    auto list = [](const std::vector<std::string>& names) {
        std::string out;
        for (const auto& name : names)
            out += (out.empty() ? "" : ", ") + name;
        return out;
    };
    const auto& failed = by_verdict[static_cast<int>(Verdict::fail)];
    const auto& errors = by_verdict[static_cast<int>(Verdict::error)];
    const auto& warned = by_verdict[static_cast<int>(Verdict::warn)];
    const std::string of = " of " + std::to_string(results.size()) + " look-alikes";
    const bool outbound = group == "smuggling-outbound";
    if (!stopped_because.empty()) verdict = worst(verdict, Verdict::error);
    summary.verdict = verdict;
    if (!failed.empty()) {
        summary.explanation =
            (outbound ? "lets " + std::to_string(failed.size()) + of + " through to the sink: "
                      : "ends DATA at " + std::to_string(failed.size()) + of + ": ") +
            list(failed) + " - SMTP smuggling (SEC Consult 2023)";
    } else if (!stopped_because.empty()) {
        summary.explanation = "stopped after " + std::to_string(results.size()) +
                              " look-alike(s): " + stopped_because;
    } else if (!errors.empty()) {
        summary.explanation =
            "could not decide for " + std::to_string(errors.size()) + of + ": " + list(errors);
    } else if (!warned.empty()) {
        summary.explanation =
            (outbound ? "forwards " + std::to_string(warned.size()) + of +
                            " altered but with bare newlines or NULs: "
                      : "accepts " + std::to_string(warned.size()) + of +
                            " as content (none ends DATA), so it passes bare newlines on: ") +
            list(warned);
    } else {
        summary.explanation =
            (outbound ? "refuses or normalizes every one of " : "refuses every one of ") +
            std::to_string(results.size()) + " end-of-data look-alikes";
    }
    return summary;
}

}  // namespace relaylab::probe
