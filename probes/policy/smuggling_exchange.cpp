#include "probes/policy/smuggling_exchange.hpp"

#include <optional>

#include "harness/smtp/sasl.hpp"

namespace relaylab::probe {

namespace asio = boost::asio;

namespace {

// A step before the message: its reply must be `wanted_kind` (2 or 3); else the problem in a
// line ("RCPT TO refused: 550 5.1.1 ...") or the dialogue's failure.
std::optional<std::string> expect(Dialogue& dialogue, const std::optional<smtp::Reply>& reply,
                                  std::string_view step, int wanted_kind) {
    if (!reply) return std::string(step) + ": " + dialogue.failure().text();
    if (reply->kind() != wanted_kind) return std::string(step) + " refused: " + reply->summary();
    return std::nullopt;
}

asio::awaitable<std::optional<std::string>> open_transaction(Dialogue& dialogue,
                                                             const SmugglingSubmission& s) {
    if (!co_await dialogue.connect(s.server)) co_return "connect: " + dialogue.failure().text();
    if (auto problem = expect(dialogue, co_await dialogue.read_reply(), "greeting", 2))
        co_return problem;
    auto ehlo = co_await dialogue.command("EHLO " + s.helo);
    if (ehlo && !ehlo->positive()) ehlo = co_await dialogue.command("HELO " + s.helo);
    if (auto problem = expect(dialogue, ehlo, "EHLO", 2)) co_return problem;
    if (!s.auth_user.empty()) {
        std::string response =
            smtp::plain_initial_response(smtp::Credentials{"", s.auth_user, s.auth_password});
        if (auto problem =
                expect(dialogue, co_await dialogue.command("AUTH PLAIN " + response), "AUTH", 2))
            co_return problem;
    }
    if (auto problem = expect(
            dialogue, co_await dialogue.command("MAIL FROM:<" + s.mail_from + ">"), "MAIL FROM", 2))
        co_return problem;
    if (auto problem =
            expect(dialogue, co_await dialogue.command("RCPT TO:<" + s.rcpt + ">"), "RCPT TO", 2))
        co_return problem;
    if (auto problem = expect(dialogue, co_await dialogue.command("DATA"), "DATA", 3))
        co_return problem;
    co_return std::nullopt;
}

}  // namespace

asio::awaitable<SmugglingExchange> submit_smuggling_message(asio::any_io_executor executor,
                                                            const SmugglingSubmission& submission) {
    SmugglingExchange exchange;
    Dialogue dialogue(executor, submission.timeouts);
    exchange.setup_problem = co_await open_transaction(dialogue, submission);
    if (!exchange.setup_problem) {
        // The look-alike and the NOOP line go in one write: a receiver deciding on a bare CR
        // needs the octet after it.
        if (!co_await dialogue.send(submission.message.head)) {
            exchange.setup_problem = "sending the message: " + dialogue.failure().text();
        } else if (auto early = co_await dialogue.poll_reply(submission.quiet_wait)) {
            exchange.early_reply = std::move(early);
            // The NOOP's reply, if the server reads on as commands (pipelined, or within the wait).
            exchange.smuggled_reply = co_await dialogue.poll_reply(submission.quiet_wait);
            exchange.closed_after_early_reply = dialogue.failure().error == DialogueError::closed;
        } else if (dialogue.failed()) {
            exchange.closed_after_lookalike = dialogue.failure().error == DialogueError::closed;
            if (!exchange.closed_after_lookalike)
                exchange.final_failure = dialogue.failure().text();
        } else if (!co_await dialogue.send(submission.message.tail + ".\r\n")) {
            exchange.final_failure = dialogue.failure().text();
        } else {
            exchange.final_reply = co_await dialogue.read_reply();
            if (!exchange.final_reply) exchange.final_failure = dialogue.failure().text();
        }
    }
    co_await dialogue.quit();
    exchange.evidence = dialogue.transcript().lines();
    co_return exchange;
}

}  // namespace relaylab::probe
