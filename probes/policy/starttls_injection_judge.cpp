#include "probes/policy/starttls_injection_judge.hpp"

namespace relaylab::probe {

namespace {

nlohmann::json replies_json(const std::vector<smtp::Reply>& replies) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& reply : replies)
        out.push_back(reply.summary());
    return out;
}

std::string plaintext_name() {
    return std::string(starttls_injection_group) + ".plaintext";
}

}  // namespace

std::vector<CheckResult> judge_starttls_injection(const StarttlsInjectionFacts& facts) {
    const std::string name(starttls_injection_group);
    const std::string injected(injected_command);
    CheckResult command;
    command.name = name;
    command.add_evidence(facts.evidence);
    command.details = {{"applicable", facts.starttls_offered},
                       {"injected", "STARTTLS<CR><LF>" + injected + "<CR><LF>"},
                       {"tls_established", facts.tls_established},
                       {"unrequested_replies_in_tls", replies_json(facts.unrequested_in_tls)},
                       {"quiet_wait_ms", facts.quiet_wait_ms}};

    // Before STARTTLS was even tried: nothing to judge but why.
    if (!facts.starttls_reply && !facts.failure.empty()) {
        command.verdict = Verdict::error;
        command.explanation =
            "could not test STARTTLS injection: " + facts.failed_step + ": " + facts.failure;
        command.details["failed_step"] = facts.failed_step;
        return {command};
    }
    if (!facts.starttls_offered) {
        command.verdict = Verdict::pass;
        command.explanation =
            "not applicable: STARTTLS is not offered, so there is no handshake to inject across";
        return {command};
    }
    if (!facts.starttls_reply || facts.starttls_reply->code != 220) {
        command.verdict = Verdict::error;
        command.explanation =
            "STARTTLS is offered but was not started: " +
            (facts.starttls_reply ? "\"" + facts.starttls_reply->summary() + "\"" : facts.failure);
        return {command};
    }

    std::vector<CheckResult> results;
    if (!facts.unrequested_in_tls.empty()) {
        // Judged before a later failure: once the server answered what it was never asked
        // inside TLS, the bug is shown whatever happened next.
        command.verdict = Verdict::fail;
        command.explanation =
            "the server executed a command sent before TLS (CVE-2011-0411 "
            "class): it answered the " +
            injected + " pipelined with STARTTLS inside TLS (\"" +
            facts.unrequested_in_tls.front().summary() + "\")";
    } else if (!facts.failure.empty()) {
        command.verdict = Verdict::error;
        command.explanation = "could not finish the STARTTLS injection test: " + facts.failed_step +
                              ": " + facts.failure;
        command.details["failed_step"] = facts.failed_step;
    } else {
        command.verdict = Verdict::pass;
        command.explanation = "the " + injected +
                              " pipelined with STARTTLS was discarded: no reply inside TLS "
                              "within " +
                              std::to_string(facts.quiet_wait_ms) +
                              " ms and one reply to EHLO (RFC 3207 6)";
    }
    results.push_back(std::move(command));

    CheckResult plaintext;
    plaintext.name = plaintext_name();
    plaintext.add_evidence(facts.evidence);
    plaintext.details = {{"replies_after_220", replies_json(facts.plaintext_after_220)},
                         {"partial", facts.plaintext_partial}};
    if (!facts.plaintext_after_220.empty() || facts.plaintext_partial) {
        plaintext.verdict = Verdict::warn;
        plaintext.explanation =
            "the server sent plaintext after its 220 to STARTTLS" +
            (facts.plaintext_after_220.empty()
                 ? std::string()
                 : " (\"" + facts.plaintext_after_220.front().summary() + "\")") +
            ": it answered the injected " + injected +
            " before the handshake, and a client with the CVE-2011-0411 bug would take such "
            "bytes as TLS-protected";
    } else {
        plaintext.verdict = Verdict::pass;
        plaintext.explanation = "nothing followed the 220 to STARTTLS before the handshake";
    }
    results.push_back(std::move(plaintext));
    return results;
}

}  // namespace relaylab::probe
