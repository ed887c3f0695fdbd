// Gathers the facts for the open-relay judge: one connection (a new one only when the server
// hangs up or answers 421), each trick on a fresh transaction, RSET after it. DATA is never
// sent, so an open relay relays nothing.
#include "probes/policy/open_relay_checks.hpp"

#include <memory>

#include "probes/policy/open_relay_judge.hpp"
#include "probes/policy/open_relay_tricks.hpp"

namespace relaylab::probe {

namespace asio = boost::asio;

namespace {

// A server that hangs up on relay attempts gets a new connection for the next trick, up to this
// many times; past it the remaining tricks are errors (the probe must end in bounded time).
constexpr int max_reconnects = 3;

struct Session {
    std::unique_ptr<Dialogue> dialogue;
    std::optional<smtp::Reply> greeting;
    std::optional<smtp::Reply> ehlo;
    std::string failure;  // why the session could not be opened; empty when it is usable
    bool usable() const { return failure.empty() && !dialogue->failed(); }
};

// Connects, reads the greeting and says EHLO (HELO when EHLO is refused, RFC 5321 4.1.4).
asio::awaitable<Session> open_session(ProbeContext& context) {
    Session session;
    session.dialogue = std::make_unique<Dialogue>(context.executor, context.options.timeouts);
    Dialogue& d = *session.dialogue;
    if (!co_await d.connect(context.target.endpoint())) {
        session.failure = d.failure().text();
        co_return session;
    }
    session.greeting = co_await d.read_reply();
    if (!session.greeting) {
        session.failure = d.failure().text();
        co_return session;
    }
    if (!session.greeting->positive()) {
        session.failure = "the server refused the session: \"" + session.greeting->summary() + "\"";
        co_return session;
    }
    session.ehlo = co_await d.command("EHLO " + context.options.helo);
    if (session.ehlo && !session.ehlo->positive()) {
        session.ehlo = co_await d.command("HELO " + context.options.helo);
    }
    if (!session.ehlo) {
        session.failure = d.failure().text();
    } else if (!session.ehlo->positive()) {
        session.failure = "EHLO and HELO refused: \"" + session.ehlo->summary() + "\"";
    }
    co_return session;
}

std::vector<std::string> lines_since(Dialogue& d, std::size_t start) {
    const auto& lines = d.transcript().lines();
    if (start >= lines.size()) return {};
    return {lines.begin() + static_cast<std::ptrdiff_t>(start), lines.end()};
}

// MAIL, RCPT (when MAIL was taken), RSET. Marks the session unusable when the server leaves.
asio::awaitable<TrickOutcome> try_trick(Session& session, const RelayTrick& trick) {
    Dialogue& d = *session.dialogue;
    TrickOutcome outcome;
    outcome.trick = trick;
    const std::size_t start = d.transcript().lines().size();
    outcome.mail_reply = co_await d.command("MAIL FROM:" + trick.mail_from);
    if (outcome.mail_reply && outcome.mail_reply->positive()) {
        outcome.rcpt_reply = co_await d.command("RCPT TO:" + trick.rcpt_to);
    }
    if (d.failed()) {
        outcome.failure = d.failure().text();
    } else {
        // 421 means the server closes now (RFC 5321 3.8): no RSET on a dying connection.
        const bool closing = (outcome.mail_reply && outcome.mail_reply->code == 421) ||
                             (outcome.rcpt_reply && outcome.rcpt_reply->code == 421);
        if (closing) {
            session.failure = "the server closed the session with 421";
        } else {
            // Never DATA: an accepted recipient is dropped again here.
            auto rset = co_await d.command("RSET");
            if (!rset || !rset->positive()) session.failure = "RSET was not accepted";
        }
    }
    outcome.evidence = lines_since(d, start);
    co_return outcome;
}

}  // namespace

asio::awaitable<std::vector<CheckResult>> run_open_relay_checks(ProbeContext& context) {
    const ProbeOptions& options = context.options;
    Session session = co_await open_session(context);
    if (!session.failure.empty()) {
        std::vector<std::string> evidence = session.dialogue->transcript().lines();
        session.dialogue->close();
        co_return std::vector<CheckResult>{
            open_relay_not_tested(session.failure, std::move(evidence))};
    }

    OpenRelaySummaryFacts facts;
    facts.foreign_domain = options.foreign_domain;
    facts.evidence = session.dialogue->transcript().lines();
    if (!options.domain.empty()) {
        facts.local_domain = options.domain;
        facts.local_domain_source = "--domain";
    } else if (auto name =
                   announced_domain(session.ehlo->lines.empty() ? "" : session.ehlo->lines[0]);
               !name.empty()) {
        facts.local_domain = name;
        facts.local_domain_source = "EHLO";
    } else if (auto greeting_name = announced_domain(
                   session.greeting->lines.empty() ? "" : session.greeting->lines[0]);
               !greeting_name.empty()) {
        facts.local_domain = greeting_name;
        facts.local_domain_source = "greeting";
    }

    RelayTrickPlan plan = plan_relay_tricks(
        {options.mail_from, facts.local_domain, options.foreign_domain, context.target.address});
    facts.skipped = plan.skipped;

    std::vector<CheckResult> results;
    int reconnects = 0;
    for (const RelayTrick& trick : plan.tricks) {
        if (!session.usable()) {
            co_await session.dialogue->quit();
            if (reconnects >= max_reconnects) {
                TrickOutcome outcome;
                outcome.trick = trick;
                const std::string why =
                    session.failure.empty() ? session.dialogue->failure().text() : session.failure;
                outcome.failure = "not tried: the server ended " + std::to_string(reconnects + 1) +
                                  " sessions (the last: " + why + ")";
                results.push_back(judge_relay_trick(outcome));
                continue;
            }
            ++reconnects;
            session = co_await open_session(context);
            if (!session.failure.empty()) {
                TrickOutcome outcome;
                outcome.trick = trick;
                outcome.failure = "reconnecting failed: " + session.failure;
                outcome.evidence = session.dialogue->transcript().lines();
                results.push_back(judge_relay_trick(outcome));
                continue;
            }
        }
        results.push_back(judge_relay_trick(co_await try_trick(session, trick)));
    }
    co_await session.dialogue->quit();

    std::vector<CheckResult> out;
    out.push_back(summarize_open_relay(results, facts));
    for (auto& result : results)
        out.push_back(std::move(result));
    co_return out;
}

}  // namespace relaylab::probe
