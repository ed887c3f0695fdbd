// The two smuggling groups: gather facts per look-alike (smuggling_exchange, smuggling_sink),
// judge them (smuggling_judge), and put the group's summary first.
#include "probes/policy/smuggling_checks.hpp"

#include <chrono>
#include <system_error>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "harness/log/timestamp.hpp"
#include "probes/policy/smuggling_arrival.hpp"
#include "probes/policy/smuggling_exchange.hpp"
#include "probes/policy/smuggling_judge.hpp"
#include "probes/policy/smuggling_sink.hpp"
#include "probes/policy/smuggling_variants.hpp"

namespace relaylab::probe {

namespace asio = boost::asio;

namespace {

// The sink's recipient when --sink-rcpt is not given (probe_context.hpp).
constexpr std::string_view default_sink_rcpt = "probe@sink.relaylab.test";
// How often the outbound check looks at what the sink received while it waits.
constexpr std::chrono::milliseconds arrival_poll{50};

SmugglingSubmission submission_for(const ProbeContext& context, std::string rcpt,
                                   const SmugglingVariant& variant, const std::string& token,
                                   const std::string& date) {
    const ProbeOptions& options = context.options;
    SmugglingSubmission submission;
    submission.server = context.target.endpoint();
    submission.timeouts = options.timeouts;
    submission.helo = options.helo;
    submission.mail_from = options.mail_from;
    submission.rcpt = std::move(rcpt);
    submission.auth_user = options.auth_user;
    submission.auth_password = options.auth_password;
    submission.quiet_wait = options.quiet_wait;
    submission.message =
        make_smuggling_message(variant, token, options.mail_from, submission.rcpt, date);
    return submission;
}

struct Tried {
    const SmugglingVariant* variant;
    SmugglingMessage message;
    SmugglingExchange exchange;
};

// Submits one message per look-alike. A transaction that cannot be set up (connect refused,
// RCPT refused...) would fail the same way for every other one: the rest are not tried.
asio::awaitable<std::vector<Tried>> submit_all(const ProbeContext& context, const std::string& rcpt,
                                               std::vector<std::string>& not_tried,
                                               std::string& stopped_because) {
    const std::string token = make_smuggling_token();
    const std::string date = log::format_rfc5322_date(std::chrono::system_clock::now());
    std::vector<Tried> tried;
    for (const auto& variant : smuggling_variants()) {
        if (!stopped_because.empty()) {
            not_tried.emplace_back(variant.name);
            continue;
        }
        SmugglingSubmission submission = submission_for(context, rcpt, variant, token, date);
        SmugglingExchange exchange =
            co_await submit_smuggling_message(context.executor, submission);
        if (exchange.setup_problem) stopped_because = *exchange.setup_problem;
        tried.push_back({&variant, std::move(submission.message), std::move(exchange)});
    }
    co_return tried;
}

bool accepted(const SmugglingExchange& exchange) {
    return !exchange.setup_problem && !exchange.early_reply && exchange.final_reply &&
           exchange.final_reply->positive();
}

}  // namespace

asio::awaitable<std::vector<CheckResult>> run_smuggling_checks(ProbeContext& context) {
    std::vector<std::string> not_tried;
    std::string stopped_because;
    auto tried =
        co_await submit_all(context, context.options.recipient(), not_tried, stopped_because);
    std::vector<CheckResult> results;
    for (const auto& one : tried)
        results.push_back(judge_smuggling(*one.variant, one.exchange));
    results.insert(results.begin(),
                   summarize_smuggling("smuggling", results, not_tried, stopped_because));
    co_return results;
}

asio::awaitable<std::vector<CheckResult>> run_outbound_smuggling_checks(ProbeContext& context) {
    const ProbeOptions& options = context.options;
    if (!options.sink) {
        co_return std::vector<CheckResult>{
            make_result("smuggling-outbound", Verdict::error, "needs --sink ADDR:PORT")};
    }
    SmugglingSink sink(context.executor, *options.sink);
    try {
        sink.start();
    } catch (const std::system_error& e) {
        co_return std::vector<CheckResult>{make_result(
            "smuggling-outbound", Verdict::error, std::string("the probe's sink: ") + e.what())};
    }
    const std::string rcpt =
        options.sink_rcpt.empty() ? std::string(default_sink_rcpt) : options.sink_rcpt;
    std::vector<std::string> not_tried;
    std::string stopped_because;
    auto tried = co_await submit_all(context, rcpt, not_tried, stopped_because);

    // Wait until every accepted message has arrived whole, or --sink-wait is over.
    asio::steady_timer timer(context.executor);
    const auto deadline = std::chrono::steady_clock::now() + options.sink_wait;
    while (true) {
        auto received = sink.received();
        bool all_in = true;
        for (const auto& one : tried) {
            if (accepted(one.exchange) &&
                !find_smuggling_arrival(received, one.message).forwarded) {
                all_in = false;
                break;
            }
        }
        if (all_in || std::chrono::steady_clock::now() >= deadline) break;
        timer.expires_after(arrival_poll);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_await sink.stop();

    const auto received = sink.received();
    std::vector<CheckResult> results;
    for (const auto& one : tried) {
        results.push_back(judge_outbound_smuggling(*one.variant, one.exchange,
                                                   find_smuggling_arrival(received, one.message),
                                                   options.sink_wait));
    }
    CheckResult summary =
        summarize_smuggling("smuggling-outbound", results, not_tried, stopped_because);
    summary.details["sink"] =
        options.sink->address().to_string() + ":" + std::to_string(options.sink->port());
    summary.details["sink_rcpt"] = rcpt;
    summary.details["sink_connections"] = received.size();
    for (const auto& note : sink.notes())
        summary.add_evidence("sink: " + note);
    results.insert(results.begin(), std::move(summary));
    co_return results;
}

}  // namespace relaylab::probe
