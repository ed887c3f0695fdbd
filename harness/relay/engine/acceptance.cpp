#include "harness/relay/engine/acceptance.hpp"

#include <openssl/crypto.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "harness/log/log.hpp"
#include "harness/log/timestamp.hpp"

namespace relaylab::relay {

namespace asio = boost::asio;

namespace {

// RFC 5321 6.3: a message that has passed through this many relays is looping. Postfix's
// hopcount_limit is 50.
constexpr std::size_t max_received_fields = 50;

unsigned mask(smtp::Phase phase) {
    return static_cast<unsigned>(phase);
}

// Counts "Received:" fields in the header section (a loop shows as many of them).
std::size_t received_fields(std::string_view content) {
    std::size_t count = 0;
    std::size_t pos = 0;
    while (pos < content.size()) {
        std::size_t end = content.find("\r\n", pos);
        if (end == std::string_view::npos) end = content.size();
        std::string_view line = content.substr(pos, end - pos);
        if (line.empty()) break;  // end of the header section
        if (line.size() >= 9 && (line[0] == 'R' || line[0] == 'r')) {
            std::string_view name = line.substr(0, 9);
            bool match = true;
            const char* want = "received:";
            for (std::size_t i = 0; i < 9; ++i) {
                char c = name[i];
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
                if (c != want[i]) match = false;
            }
            if (match) ++count;
        }
        pos = end + 2;
    }
    return count;
}

// RFC 5321 4.4 trace field; the protocol keyword per RFC 3848 (ESMTPS, ESMTPA, ESMTPSA).
std::string received_field(const RelayConfig& config, const smtp::ReceivedMessage& message,
                           const std::string& client_address, const std::string& id) {
    std::string protocol = message.esmtp ? "ESMTP" : "SMTP";
    if (message.esmtp && message.tls) protocol += 'S';
    if (message.esmtp && !message.auth_user.empty()) protocol += 'A';
    std::string field = "Received: from " + (message.helo.empty() ? "unknown" : message.helo) +
                        " ([" + client_address + "])\r\n\tby " + config.hostname +
                        " (relaylab) with " + protocol + " id " + id;
    if (message.envelope.recipients.size() == 1) {
        field += "\r\n\tfor <" + message.envelope.recipients.front().path.address() + ">";
    }
    field += "; " + log::rfc5322_date_now() + "\r\n";
    return field;
}

std::string notify_text(const smtp::RcptParams& params) {
    if (params.notify_never) return "NEVER";
    std::string out;
    auto add = [&](bool on, const char* word) {
        if (!on) return;
        if (!out.empty()) out += ',';
        out += word;
    };
    add(params.notify_success, "SUCCESS");
    add(params.notify_failure, "FAILURE");
    add(params.notify_delay, "DELAY");
    return out;
}

bool same_secret(const std::string& a, const std::string& b) {
    // Constant time over the expected length: a timing oracle must not reveal the password.
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Waits for the spool's callback (on its writer thread) and resumes on the caller's executor.
template <class Token>
auto async_store(Spool& spool, SpoolMessage message, std::string body, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [&spool](auto handler, SpoolMessage message, std::string body) {
            auto executor = asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            spool.store(std::move(message), std::move(body),
                        [shared, executor](std::error_code ec) {
                            asio::post(executor, [shared, ec]() mutable { (*shared)(ec); });
                        });
        },
        token, std::move(message), std::move(body));
}

}  // namespace

Acceptance::Acceptance(const RelayConfig& config, Spool& spool, EventLog& events,
                       EngineCounters& counters, RelayMetrics& metrics,
                       std::function<void(SpoolMessage)> on_stored)
    : config_(config),
      spool_(spool),
      events_(events),
      counters_(counters),
      metrics_(metrics),
      on_stored_(std::move(on_stored)),
      access_(config),
      limiter_(config.auth_failures_per_minute) {}

net::SmtpServerConfig Acceptance::server_config(ListenerRole role, const ListenerSettings& listener,
                                                std::shared_ptr<asio::ssl::context> tls) {
    net::SmtpServerConfig server;
    server.listeners = {
        net::ListenerConfig{listener.address, listener.port, listener.implicit_tls}};
    server.session.hostname = config_.hostname;
    server.session.banner = "ESMTP relaylab relay";
    server.session.max_message_size = config_.max_message_size;
    server.session.max_stored_size = config_.max_message_size;
    server.session.tls_available = tls != nullptr;
    server.tls = std::move(tls);
    server.max_connections = config_.max_connections;
    server.timeouts.command = config_.smtpd_timeout;
    server.timeouts.data = config_.smtpd_timeout;
    server.threads = std::max(1u, config_.threads);
    server.session.decisions = mask(smtp::Phase::rcpt) | mask(smtp::Phase::data_end);
    if (!hooks_.empty()) server.session.decisions |= mask(smtp::Phase::mail);
    if (role == ListenerRole::submission) {
        server.session.auth_mechanisms = {"PLAIN", "LOGIN"};
        server.session.require_auth = true;
        // RFC 8314 / RFC 4954 14: passwords only over TLS, unless there is no TLS to offer
        // (a loopback test world without a certificate).
        server.session.auth_without_tls = !server.session.tls_available;
        server.session.decisions |= mask(smtp::Phase::auth);
    }
    server.decide = [this, role](net::DecisionContext& context) { return decide(role, context); };
    // The inbound connection gauge: `observe` is called once per session, `on_close` once
    // when it ends.
    server.observe = [this](const smtp::ConnectionInfo&) -> std::unique_ptr<smtp::SessionObserver> {
        metrics_.connection_opened(ConnectionDirection::inbound);
        return nullptr;
    };
    server.on_close = [this](const smtp::ConnectionInfo&) {
        metrics_.connection_closed(ConnectionDirection::inbound);
    };
    return server;
}

asio::awaitable<smtp::Decision> Acceptance::decide(ListenerRole role,
                                                   net::DecisionContext& context) {
    switch (context.phase) {
        case smtp::Phase::auth:
            co_return check_auth(context);
        case smtp::Phase::mail:
            co_return check_sender(context);
        case smtp::Phase::rcpt: {
            smtp::Decision decision;
            bool authenticated = !context.session.auth_user().empty();
            RelayDecision verdict =
                access_.decide_rcpt(context.session.connection().client_address, authenticated,
                                    context.session.pending_path().address());
            if (!verdict.accepted()) {
                counters_.relay_denied.fetch_add(1, std::memory_order_relaxed);
                metrics_.count_rejected();
                events_.write(
                    "rejected",
                    {{"listener", role == ListenerRole::submission ? "submission" : "relay-in"},
                     {"client", context.session.connection().client_address},
                     {"recipient", context.session.pending_path().address()},
                     {"reply", verdict.reply.summary()}});
                decision.reply = verdict.reply;
                co_return decision;
            }
            const std::string sender = context.session.envelope().mail_from.address();
            const std::string recipient = context.session.pending_path().address();
            for (const auto& hook : hooks_) {
                if (auto refusal = hook->check_recipient(sender, recipient)) {
                    metrics_.count_rejected();
                    events_.write("refused", {{"recipient", recipient},
                                              {"sender", sender},
                                              {"reply", refusal->summary()}});
                    decision.reply = std::move(refusal);
                    break;
                }
            }
            co_return decision;
        }
        case smtp::Phase::data_end:
            co_return co_await store(context);
        default:
            co_return smtp::Decision{};
    }
}

void Acceptance::add_hooks(std::vector<std::shared_ptr<SubmissionHooks>> hooks) {
    for (auto& hook : hooks)
        if (hook) hooks_.push_back(std::move(hook));
}

smtp::Decision Acceptance::check_sender(net::DecisionContext& context) {
    smtp::Decision decision;
    const std::string sender = context.session.pending_path().address();
    for (const auto& hook : hooks_) {
        if (auto refusal = hook->check_sender(sender)) {
            metrics_.count_rejected();
            events_.write("refused", {{"sender", sender}, {"reply", refusal->summary()}});
            decision.reply = std::move(refusal);
            break;
        }
    }
    return decision;
}

smtp::Decision Acceptance::check_auth(net::DecisionContext& context) {
    smtp::Decision decision;
    const std::string& client = context.session.connection().client_address;
    auto now = AuthLimiter::Clock::now();
    {
        std::lock_guard lock(limiter_mutex_);
        if (!limiter_.allow(client, now)) {
            counters_.auth_throttled.fetch_add(1, std::memory_order_relaxed);
            decision.reply =
                smtp::make_reply(421, "4.7.0", "Too many failed AUTH attempts, try later");
            decision.disconnect = true;
            return decision;
        }
    }
    const smtp::Credentials& given = context.session.credentials();
    for (const auto& user : config_.users) {
        if (user.name == given.username && same_secret(user.password, given.password) &&
            (given.authzid.empty() || given.authzid == given.username)) {
            return decision;  // the session's 235
        }
    }
    {
        std::lock_guard lock(limiter_mutex_);
        limiter_.failed(client, now);
    }
    counters_.auth_failures.fetch_add(1, std::memory_order_relaxed);
    log::info("relay.auth_failed", {{"client", client}, {"user", given.username}});
    decision.reply = smtp::make_reply(535, "5.7.8", "Authentication credentials invalid");
    return decision;
}

asio::awaitable<smtp::Decision> Acceptance::store(net::DecisionContext& context) {
    smtp::Decision decision;
    smtp::ReceivedMessage& received = context.session.message();
    const std::string& client = context.session.connection().client_address;
    if (received_fields(received.content) >= max_received_fields) {
        counters_.loops.fetch_add(1, std::memory_order_relaxed);
        decision.reply = smtp::make_reply(554, "5.4.6", "Too many hops: mail forwarding loop");
        co_return decision;
    }
    SpoolMessage meta;
    meta.id = spool_.new_id();
    meta.mail_from = received.envelope.mail_from.address();
    for (const auto& recipient : received.envelope.recipients) {
        SpoolRecipient entry;
        entry.address = recipient.path.address();
        entry.notify = notify_text(recipient.params);
        if (!recipient.params.orcpt.empty()) {
            entry.orcpt = recipient.params.orcpt_type + ";" + recipient.params.orcpt;
        }
        meta.recipients.push_back(std::move(entry));
    }
    const smtp::MailParams& params = received.envelope.mail_params;
    meta.dsn_ret = params.ret == smtp::DsnRet::full      ? "FULL"
                   : params.ret == smtp::DsnRet::headers ? "HDRS"
                                                         : "";
    meta.dsn_envid = params.envid;
    meta.smtputf8 = params.smtputf8;
    meta.eight_bit = params.body == smtp::BodyType::eight_bit_mime;
    meta.client_address = client;
    meta.helo = received.helo;
    meta.auth_user = received.auth_user;
    meta.received_at_ms = log::now_unix_millis();
    for (const auto& hook : hooks_)
        hook->transform(meta, received.content);
    std::string body = received_field(config_, received, client, meta.id);
    body += received.content;
    received.content = std::string();
    meta.body_size = body.size();
    std::error_code ec = co_await async_store(spool_, meta, std::move(body), asio::use_awaitable);
    if (ec) {
        counters_.spool_failures.fetch_add(1, std::memory_order_relaxed);
        metrics_.count_rejected();
        log::error("relay.spool_write_failed", {{"id", meta.id}, {"error", ec.message()}});
        // RFC 3463 4.3.1: mail system full; the client keeps the message and retries.
        bool full = ec == std::errc::no_space_on_device || ec == std::errc::file_too_large;
        decision.reply = full ? smtp::make_reply(452, "4.3.1", "Insufficient system storage")
                              : smtp::make_reply(451, "4.3.0", "Local error in processing");
        co_return decision;
    }
    metrics_.count_accepted();
    counters_.accepted_bytes.fetch_add(meta.body_size, std::memory_order_relaxed);
    events_.write("accepted", {{"id", meta.id},
                               {"from", meta.mail_from},
                               {"recipients", meta.recipients.size()},
                               {"size", meta.body_size},
                               {"client", client},
                               {"auth", meta.auth_user}});
    decision.reply = smtp::make_reply(250, "2.0.0", "Ok: queued as " + meta.id);
    for (const auto& hook : hooks_)
        hook->stored(meta);
    on_stored_(std::move(meta));
    co_return decision;
}

}  // namespace relaylab::relay
