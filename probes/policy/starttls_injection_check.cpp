// Gathers the facts for the STARTTLS injection judge on one connection: EHLO, then
// "STARTTLS\r\nNOOP\r\n" in one write, the 220, a short look for plaintext behind it, the
// handshake (no certificate verification: the tls check judges the certificate), a quiet wait
// for a reply nobody asked for, then EHLO inside TLS and a second quiet wait for a reply too many
// (a server may run the buffered NOOP only when new input wakes it).
#include "probes/policy/starttls_injection_check.hpp"

#include <algorithm>
#include <cctype>

#include "harness/net/tls.hpp"
#include "probes/policy/starttls_injection_judge.hpp"

namespace relaylab::probe {

namespace asio = boost::asio;

namespace {

// How long to look for plaintext behind the 220: the server answers STARTTLS and any injected
// command in the same pass, so a short look suffices; it is paid by every probe before the
// handshake.
constexpr std::chrono::milliseconds plaintext_look{500};
// Bounds what an endless talker can add to the facts.
constexpr std::size_t max_unrequested_replies = 8;

bool advertises(const smtp::Reply& ehlo, std::string_view keyword) {
    for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
        std::string_view line = ehlo.lines[i];
        std::string_view word = line.substr(0, line.find(' '));
        if (word.size() == keyword.size() &&
            std::equal(word.begin(), word.end(), keyword.begin(), [](char a, char b) {
                return std::toupper(static_cast<unsigned char>(a)) == b;
            })) {
            return true;
        }
    }
    return false;
}

// Collects replies that arrive within `wait` (each wait restarts after a reply).
asio::awaitable<void> collect_unrequested(Dialogue& d, std::chrono::milliseconds wait,
                                          std::vector<smtp::Reply>& into) {
    while (into.size() < max_unrequested_replies) {
        auto reply = co_await d.poll_reply(wait);
        if (!reply) co_return;
        into.push_back(std::move(*reply));
    }
}

asio::awaitable<void> gather(ProbeContext& context, Dialogue& d, StarttlsInjectionFacts& facts) {
    const ProbeOptions& options = context.options;
    auto fail_at = [&](std::string step) {
        facts.failed_step = std::move(step);
        facts.failure = d.failure().text();
    };
    if (!co_await d.connect(context.target.endpoint())) co_return fail_at("connect");
    auto greeting = co_await d.read_reply();
    if (!greeting) co_return fail_at("greeting");
    if (!greeting->positive()) {
        facts.failed_step = "greeting";
        facts.failure = "the server refused the session: \"" + greeting->summary() + "\"";
        co_return;
    }
    auto ehlo = co_await d.command("EHLO " + options.helo);
    if (!ehlo) co_return fail_at("EHLO");
    if (!ehlo->positive()) {
        facts.failed_step = "EHLO";
        facts.failure = "EHLO refused: \"" + ehlo->summary() + "\"";
        co_return;
    }
    facts.starttls_offered = advertises(*ehlo, "STARTTLS");
    if (!facts.starttls_offered) co_return;

    // One write, so that the server finds both lines in one read: that is the attack.
    if (!co_await d.send("STARTTLS\r\n" + std::string(injected_command) + "\r\n")) {
        co_return fail_at("STARTTLS");
    }
    facts.starttls_reply = co_await d.read_reply();
    if (!facts.starttls_reply) co_return fail_at("STARTTLS");
    if (facts.starttls_reply->code != 220) co_return;

    std::chrono::milliseconds look = std::min(options.quiet_wait, plaintext_look);
    while (facts.plaintext_after_220.size() < max_unrequested_replies) {
        auto reply = co_await d.poll_reply(look);
        if (!reply) break;
        facts.plaintext_after_220.push_back(std::move(*reply));
        look = std::chrono::milliseconds(0);  // only what is already here
    }
    if (d.failed()) {
        // Bytes that are no SMTP reply came behind the 220 (or the server left).
        facts.plaintext_partial = d.failure().error == DialogueError::garbage;
        co_return fail_at("after the 220 to STARTTLS");
    }
    facts.plaintext_partial = d.has_unread_input();

    auto tls = net::make_client_context();
    const std::string sni = context.target.host_is_name ? context.target.host : std::string();
    if (!co_await d.start_tls(*tls, sni)) co_return fail_at("TLS handshake");
    facts.tls_established = true;

    co_await collect_unrequested(d, options.quiet_wait, facts.unrequested_in_tls);
    if (d.failed()) co_return fail_at("waiting inside TLS");
    if (!facts.unrequested_in_tls.empty()) co_return;

    facts.first_reply_in_tls = co_await d.command("EHLO " + options.helo);
    if (!facts.first_reply_in_tls) co_return fail_at("EHLO inside TLS");
    co_await collect_unrequested(d, options.quiet_wait, facts.unrequested_in_tls);
    if (d.failed()) co_return fail_at("after EHLO inside TLS");
}

}  // namespace

asio::awaitable<std::vector<CheckResult>> run_starttls_injection_checks(ProbeContext& context) {
    Dialogue dialogue(context.executor, context.options.timeouts);
    StarttlsInjectionFacts facts;
    facts.quiet_wait_ms = context.options.quiet_wait.count();
    co_await gather(context, dialogue, facts);
    co_await dialogue.quit();
    facts.evidence = dialogue.transcript().lines();
    co_return judge_starttls_injection(facts);
}

}  // namespace relaylab::probe
