#include "probes/policy/open_relay_judge.hpp"

#include <map>

namespace relaylab::probe {

namespace {

std::string result_name(const std::string& trick) {
    return std::string(open_relay_group) + "." + trick;
}

nlohmann::json reply_json(const std::optional<smtp::Reply>& reply) {
    if (!reply) return nullptr;
    return {{"code", reply->code}, {"enhanced", reply->enhanced}, {"text", reply->text()}};
}

}  // namespace

CheckResult judge_relay_trick(const TrickOutcome& outcome) {
    const RelayTrick& trick = outcome.trick;
    CheckResult result;
    result.name = result_name(trick.name);
    result.add_evidence(outcome.evidence);
    result.details = {{"trick", trick.name},
                      {"mail_from", trick.mail_from},
                      {"rcpt_to", trick.rcpt_to},
                      {"mail_reply", reply_json(outcome.mail_reply)},
                      {"rcpt_reply", reply_json(outcome.rcpt_reply)}};

    const std::string what = trick.description + " (RCPT TO:" + trick.rcpt_to + ")";
    // MAIL refused: the trick never reached RCPT. A refusal of the sender stops a relay attempt
    // as well as one of the recipient does, so it is judged the same way.
    const smtp::Reply* decisive = nullptr;
    std::string at;
    if (outcome.mail_reply && !outcome.mail_reply->positive()) {
        decisive = &*outcome.mail_reply;
        at = "MAIL";
    } else if (outcome.rcpt_reply) {
        decisive = &*outcome.rcpt_reply;
        at = "RCPT";
    }
    if (!decisive) {
        result.verdict = Verdict::error;
        result.explanation = "could not try " + trick.description + ": " +
                             (outcome.failure.empty() ? "no reply" : outcome.failure);
        result.details["outcome"] = "error";
        return result;
    }
    result.details["decided_at"] = at;
    const std::string reply = decisive->summary();
    switch (decisive->kind()) {
        case 2:
            result.verdict = Verdict::fail;
            result.explanation = "accepted " + what + ": \"" + reply + "\"; the server relays";
            result.details["outcome"] = "accepted";
            break;
        case 4:
            result.verdict = Verdict::warn;
            result.explanation = "deferred " + what + " at " + at + ": \"" + reply +
                                 "\"; undecided (greylisting or a temporary failure)";
            result.details["outcome"] = "deferred";
            break;
        case 5:
            result.verdict = Verdict::pass;
            result.explanation = "refused " + what + " at " + at + ": \"" + reply + "\"";
            result.details["outcome"] = "refused";
            break;
        default:
            result.verdict = Verdict::error;
            result.explanation =
                "unexpected reply to " + at + " for " + what + ": \"" + reply + "\"";
            result.details["outcome"] = "error";
            break;
    }
    return result;
}

CheckResult summarize_open_relay(const std::vector<CheckResult>& tricks,
                                 const OpenRelaySummaryFacts& facts) {
    CheckResult summary;
    summary.name = std::string(open_relay_group);
    summary.add_evidence(facts.evidence);
    std::map<Verdict, std::vector<std::string>> by_verdict;
    Verdict overall = Verdict::pass;
    for (const auto& trick : tricks) {
        overall = worst(overall, trick.verdict);
        const std::string prefix = std::string(open_relay_group) + ".";
        by_verdict[trick.verdict].push_back(
            trick.name.substr(trick.name.rfind(prefix, 0) == 0 ? prefix.size() : 0));
    }
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& s : facts.skipped)
        skipped.push_back({{"trick", s.name}, {"reason", s.reason}});
    summary.details = {{"local_domain", facts.local_domain},
                       {"local_domain_source", facts.local_domain_source},
                       {"foreign_domain", facts.foreign_domain},
                       {"tricks_tried", tricks.size()},
                       {"accepted", by_verdict[Verdict::fail]},
                       {"deferred", by_verdict[Verdict::warn]},
                       {"refused", by_verdict[Verdict::pass]},
                       {"errors", by_verdict[Verdict::error]},
                       {"skipped", skipped}};

    const std::size_t n = tricks.size();
    const std::string of_n = " of " + std::to_string(n) + " relay tricks";
    const std::string note = facts.skipped.empty() ? ""
                                                   : "; " + std::to_string(facts.skipped.size()) +
                                                         " tricks not tried (no local domain)";
    summary.verdict = overall;
    if (n == 0) {
        summary.verdict = Verdict::error;
        summary.explanation = "no relay trick could be tried" + note;
    } else if (overall == Verdict::fail) {
        summary.explanation = "open relay: accepted " +
                              std::to_string(by_verdict[Verdict::fail].size()) + of_n + " for " +
                              facts.foreign_domain + " (" + comma_list(by_verdict[Verdict::fail]) +
                              ")" + note;
    } else if (overall == Verdict::error) {
        summary.explanation = "could not decide " +
                              std::to_string(by_verdict[Verdict::error].size()) + of_n + " (" +
                              comma_list(by_verdict[Verdict::error]) + "); the rest were refused" +
                              (by_verdict[Verdict::warn].empty() ? "" : " or deferred") + note;
    } else if (overall == Verdict::warn) {
        summary.explanation = "deferred " + std::to_string(by_verdict[Verdict::warn].size()) +
                              of_n + " with 4xx (" + comma_list(by_verdict[Verdict::warn]) +
                              "), undecided; none accepted" + note;
    } else {
        summary.explanation = "not an open relay: refused all " + std::to_string(n) +
                              " relay tricks for " + facts.foreign_domain + note;
    }
    return summary;
}

CheckResult open_relay_not_tested(std::string reason, std::vector<std::string> evidence) {
    CheckResult result = make_result(std::string(open_relay_group), Verdict::error,
                                     "could not test relaying: " + reason);
    result.evidence.clear();
    result.add_evidence(evidence);
    return result;
}

}  // namespace relaylab::probe
