// Group "banner": one connection that reads the greeting and says EHLO, judged by
// banner_judge. The "limits" group is in limits_checks.cpp.
#include "probes/policy/banner_checks.hpp"

#include "probes/policy/banner_judge.hpp"
#include "probes/policy/banner_session.hpp"

namespace relaylab::probe {

boost::asio::awaitable<std::vector<CheckResult>> run_banner_checks(ProbeContext& context) {
    Dialogue dialogue(context.executor, context.options.timeouts);
    const SessionStart start = co_await open_session(dialogue, context);
    std::vector<CheckResult> results;
    if (!start.greeting) {
        results.push_back(make_result("banner", Verdict::error,
                                      "no greeting: " + dialogue.failure().text(),
                                      dialogue.transcript().lines()));
        co_return results;
    }
    results.push_back(judge_greeting(*start.greeting));
    if (start.greeting->code == 220) {
        results.push_back(judge_greeting_name(*start.greeting));
        if (auto delay = dialogue.time_to_first_reply())
            results.push_back(judge_banner_delay(*delay));
        if (dialogue.failed()) {
            // EHLO or HELO got no (complete) reply: that aspect could not be decided.
            results.push_back(
                make_result("banner.ehlo", Verdict::error,
                            (start.ehlo ? "no reply to HELO: " : "no reply to EHLO: ") +
                                dialogue.failure().text()));
        } else if (start.ehlo) {
            results.push_back(judge_ehlo(*start.ehlo, start.helo));
        }
    }
    // The whole (short) dialogue is each result's evidence: the greeting and the EHLO reply.
    const auto lines = dialogue.transcript().lines();
    for (auto& result : results)
        result.add_evidence(lines);
    co_await dialogue.quit();
    co_return results;
}

}  // namespace relaylab::probe
