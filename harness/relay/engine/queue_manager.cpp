#include "harness/relay/engine/queue_manager.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "harness/log/log.hpp"
#include "harness/log/spawn_handler.hpp"
#include "harness/log/timestamp.hpp"
#include "harness/relay/bounce/dsn.hpp"
#include "harness/relay/config/retry_schedule.hpp"
#include "harness/relay/engine/dsn_request.hpp"

namespace relaylab::relay {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// How long an idle delivery connection waits for more work for its destination before QUIT
// (Postfix's smtp_connection_cache_time_limit is 2 s).
constexpr auto connection_idle_time = 2s;
// Transactions sent ahead on one connection (RFC 2920 pipelining across messages).
constexpr std::size_t delivery_pipeline_depth = 4;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string domain_of(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string() : lower(address.substr(at + 1));
}

std::string_view state_name(RecipientState state) {
    switch (state) {
        case RecipientState::pending:
            return "pending";
        case RecipientState::delivered:
            return "delivered";
        case RecipientState::failed:
            return "failed";
    }
    return "unknown";
}

WallClock::time_point from_millis(std::int64_t ms) {
    return WallClock::time_point(std::chrono::milliseconds(ms));
}

// RFC 3461 4.1: NOTIFY=NEVER, or a list without FAILURE, asks for no failure DSN.
bool wants_failure_dsn(const SpoolRecipient& recipient) {
    if (recipient.notify.empty()) return true;
    return lower(recipient.notify).find("failure") != std::string::npos;
}

nlohmann::json message_json(const SpoolMessage& message) {
    nlohmann::json recipients = nlohmann::json::array();
    for (const auto& recipient : message.recipients) {
        recipients.push_back({{"address", recipient.address},
                              {"state", state_name(recipient.state)},
                              {"last_reply", recipient.last_reply}});
    }
    return {{"id", message.id},
            {"mail_from", message.mail_from},
            {"recipients", std::move(recipients)},
            {"attempts", message.attempts},
            {"next_attempt", message.next_attempt_ms == 0
                                 ? std::string()
                                 : log::format_rfc3339_ms(from_millis(message.next_attempt_ms))},
            {"received_at", log::format_rfc3339_ms(from_millis(message.received_at_ms))},
            {"size", message.body_size}};
}

// The RCPT-level fate of one recipient of a finished transaction.
enum class Fate { delivered, failed, deferred };

Fate fate_of(const smtp::TransactionResult& result, const smtp::RecipientResult& recipient,
             smtp::Reply& reply) {
    // MAIL refused: the RCPTs pipelined behind it were answered 503 "need MAIL", which says
    // nothing about the recipients (RFC 2920 3.1); the MAIL reply decides for all of them. A
    // receiver's 451 to MAIL (a rate limit) must defer, never bounce on the 503.
    if (result.failed_at == smtp::Stage::mail && result.mail.code != 0) {
        reply = result.mail;
        return reply.permanent() ? Fate::failed : Fate::deferred;
    }
    if (recipient.accepted) {
        reply = result.final;
        return Fate::delivered;
    }
    if (recipient.reply.permanent() || recipient.reply.transient()) {
        reply = recipient.reply;
        return recipient.reply.permanent() ? Fate::failed : Fate::deferred;
    }
    // The RCPT was accepted (or never answered) and the transaction failed later: its outcome
    // decides. A 5xx after the data fails; timeouts, lost connections and 4xx defer.
    reply = result.outcome.reply.code != 0 ? result.outcome.reply : result.final;
    if (result.outcome.ok()) return Fate::deferred;  // cannot happen: not accepted yet ok
    return result.outcome.transient() ? Fate::deferred : Fate::failed;
}

std::string reply_text(const smtp::Reply& reply, const smtp::Outcome& outcome) {
    if (reply.code != 0) return reply.summary();
    return outcome.describe();
}

}  // namespace

// One destination domain: its ready work, its connections and its pace.
struct QueueManager::Destination {
    Destination(asio::any_io_executor executor, std::string name, const DestinationPolicy& p)
        : domain(std::move(name)),
          policy(p),
          bucket(p.max_messages_per_second, p.max_messages_per_minute),
          executor(std::move(executor)) {}

    std::string domain;
    const DestinationPolicy& policy;
    std::deque<WorkItem> ready;
    std::size_t connections = 0;
    TokenBucket bucket;
    asio::any_io_executor executor;
    std::vector<asio::steady_timer*> idle;  // connections waiting for work: woken on enqueue
    std::shared_ptr<asio::ssl::context> tls_context;  // built once per destination and level
    std::string tls_context_level;
};

// The MessageSource one delivery connection pulls from: its destination's ready queue.
class QueueManager::ConnectionSource final : public net::MessageSource {
  public:
    ConnectionSource(QueueManager& manager, Destination& destination)
        : manager_(manager), destination_(destination), timer_(destination.executor) {}

    std::optional<smtp::OutgoingMessage> try_next() override {
        while (!manager_.stopping_ && !destination_.ready.empty()) {
            if (!destination_.bucket.unshaped()) {
                if (auto wait = destination_.bucket.take(TokenBucket::Clock::now())) {
                    shaping_wait_ = *wait;
                    return std::nullopt;  // no token yet: next() waits for it
                }
            }
            WorkItem item = std::move(destination_.ready.front());
            destination_.ready.pop_front();
            std::uint64_t tag = manager_.next_tag_++;
            auto message = manager_.outgoing(item, tag);
            if (!message) {
                manager_.release(item);
                continue;
            }
            taken_.emplace(tag, std::move(item));
            return message;
        }
        return std::nullopt;
    }

    asio::awaitable<std::optional<smtp::OutgoingMessage>> next() override {
        auto deadline = std::chrono::steady_clock::now() + connection_idle_time;
        for (;;) {
            if (auto message = try_next()) co_return message;
            auto now = std::chrono::steady_clock::now();
            if (manager_.stopping_ || now >= deadline) co_return std::nullopt;
            auto wait = deadline - now;
            if (!destination_.ready.empty()) {
                // Shaped: work is there and the bucket said how long until its next token.
                wait = std::min<std::chrono::steady_clock::duration>(wait, shaping_wait_);
                deadline = std::max(deadline, now + shaping_wait_ + connection_idle_time);
            }
            timer_.expires_after(wait);
            destination_.idle.push_back(&timer_);
            auto alive = manager_.alive_;
            co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
            if (!*alive) co_return std::nullopt;
            std::erase(destination_.idle, &timer_);
        }
    }

    void on_ready(const smtp::TlsResult& tls) override {
        // A downgrade under level may is never silent: the event says why it is plaintext.
        tls_ = tls.active               ? tls.version + " " + tls.cipher
               : tls.plaintext_fallback ? "none (plaintext after a failed STARTTLS: " +
                                              std::string(smtp::describe(tls.fallback_reason)) + ")"
                                        : std::string("none");
    }

    void on_done(smtp::TransactionResult&& result) override {
        auto found = taken_.find(result.id);
        if (found == taken_.end()) return;
        WorkItem item = std::move(found->second);
        taken_.erase(found);
        ++transactions_;
        manager_.record_transaction(item, result, tls_);
    }

    void on_unsent(std::vector<smtp::OutgoingMessage>&& messages) override {
        for (auto& message : messages) {
            auto found = taken_.find(message.id);
            if (found == taken_.end()) continue;
            unsent_.push_back(std::move(found->second));
            taken_.erase(found);
        }
    }

    // Work taken and never finished: unsent messages and any the session dropped.
    std::vector<WorkItem> take_unfinished() {
        for (auto& [tag, item] : taken_)
            unsent_.push_back(std::move(item));
        taken_.clear();
        return std::move(unsent_);
    }

    std::size_t transactions() const { return transactions_; }
    const std::string& tls() const { return tls_; }

  private:
    QueueManager& manager_;
    Destination& destination_;
    asio::steady_timer timer_;
    std::unordered_map<std::uint64_t, WorkItem> taken_;
    std::vector<WorkItem> unsent_;
    std::string tls_ = "none";
    std::size_t transactions_ = 0;
    std::chrono::steady_clock::duration shaping_wait_{};
};

QueueManager::QueueManager(asio::any_io_executor executor, Parts parts)
    : executor_(executor), parts_(parts), retry_timer_(executor), rng_(std::random_device{}()) {
    asio::co_spawn(executor_, retry_timer_loop(), log::spawn_handler("relay.retry_timer"));
}

QueueManager::~QueueManager() {
    *alive_ = false;
}

QueueManager::Destination& QueueManager::destination(const std::string& domain) {
    auto& slot = destinations_[domain];
    if (!slot) {
        slot = std::make_unique<Destination>(executor_, domain, parts_.config.destination(domain));
    }
    return *slot;
}

void QueueManager::load(std::vector<SpoolMessage> recovered) {
    std::int64_t now = log::now_unix_millis();
    for (auto& meta : recovered) {
        std::string id = meta.id;
        auto [it, inserted] = messages_.try_emplace(id);
        if (!inserted) continue;
        it->second.meta = std::move(meta);
        parts_.counters.recovered.fetch_add(1, std::memory_order_relaxed);
        if (it->second.meta.next_attempt_ms > now) {
            schedule(it->second, it->second.meta.next_attempt_ms);
        } else {
            dispatch(it->second);
        }
    }
    parts_.metrics.set_queue_depth(messages_.size());
}

void QueueManager::enqueue(SpoolMessage meta) {
    std::string id = meta.id;
    auto [it, inserted] = messages_.try_emplace(id);
    if (!inserted) return;
    it->second.meta = std::move(meta);
    parts_.metrics.set_queue_depth(messages_.size());
    if (!stopping_) dispatch(it->second);
}

void QueueManager::dispatch(QueuedMessage& message) {
    message.waiting = false;
    message.deferred_this_round = false;
    // Pending recipients by destination domain, in arrival order, split by the domain's
    // recipients-per-transaction limit.
    std::vector<std::pair<std::string, WorkItem>> items;
    for (std::uint32_t i = 0; i < message.meta.recipients.size(); ++i) {
        const auto& recipient = message.meta.recipients[i];
        if (recipient.state != RecipientState::pending) continue;
        std::string domain = domain_of(recipient.address);
        auto found = std::find_if(items.begin(), items.end(), [&](const auto& entry) {
            return entry.first == domain &&
                   entry.second.recipients.size() <
                       std::max<std::size_t>(1, parts_.config.destination(domain).max_recipients);
        });
        if (found == items.end()) {
            items.push_back({domain, WorkItem{message.meta.id, {}}});
            found = items.end() - 1;
        }
        found->second.recipients.push_back(i);
    }
    if (items.empty()) {
        round_done(message);
        return;
    }
    message.outstanding += items.size();
    for (auto& [domain, item] : items) {
        Destination& target = destination(domain);
        target.ready.push_back(std::move(item));
        notify_waiting(target);
        maybe_start_connections(target);
    }
}

void QueueManager::notify_waiting(Destination& destination) {
    if (destination.idle.empty()) return;
    // One idle connection is enough for one new item.
    destination.idle.back()->cancel();
    destination.idle.pop_back();
}

void QueueManager::maybe_start_connections(Destination& destination) {
    if (stopping_) return;
    // Open another connection while the ready work is more than the open ones take in one
    // pipeline round and the destination's limit allows.
    while (!destination.ready.empty() &&
           destination.connections < std::max<std::size_t>(1, destination.policy.max_connections) &&
           destination.ready.size() > destination.connections * delivery_pipeline_depth) {
        ++destination.connections;
        ++connections_;
        parts_.metrics.connection_opened(ConnectionDirection::outbound);
        asio::co_spawn(executor_, run_connection(destination),
                       log::spawn_handler("relay.delivery_connection"));
    }
}

net::ClientConnectionOptions QueueManager::connection_options(Destination& destination,
                                                              const Route& route) {
    net::ClientConnectionOptions options;
    options.session.helo_name = parts_.config.hostname;
    options.messages_per_connection = destination.policy.messages_per_connection;
    options.pipeline_depth = delivery_pipeline_depth;
    std::string level = destination.policy.tls;
    if (route.smarthost) {
        level = route.smarthost->tls;
        options.session.implicit_tls = route.smarthost->implicit_tls;
        if (route.smarthost->auth) {
            options.session.auth =
                smtp::Credentials{"", route.smarthost->auth->name, route.smarthost->auth->password};
        }
    }
    net::TlsPolicy policy;
    policy.level = net::parse_tls_security_level(level).value_or(net::TlsSecurityLevel::may);
    if (options.session.implicit_tls && policy.level < net::TlsSecurityLevel::encrypt) {
        policy.level = net::TlsSecurityLevel::encrypt;
    }
    if (!destination.tls_context || destination.tls_context_level != level) {
        net::ClientConnectionOptions built;
        net::apply_tls_policy(policy, built);
        destination.tls_context = built.tls;
        destination.tls_context_level = level;
    }
    options.tls_level = policy.level;
    options.session.starttls = net::session_mode(policy.level);
    options.tls = destination.tls_context;
    return options;
}

asio::awaitable<void> QueueManager::run_connection(Destination& destination) {
    auto alive = alive_;
    Route route = co_await resolve_route(parts_.resolver, parts_.config, destination.domain);
    if (!*alive) co_return;
    if (route.kind == Route::Kind::deliver) drop_local_endpoints(route, destination.domain);
    std::vector<WorkItem> unfinished;
    std::string failure;
    bool permanent = false;
    smtp::Reply failure_reply;
    if (route.kind != Route::Kind::deliver) {
        failure_reply = route.reply;
        failure = route.reply.summary();
        permanent = route.kind == Route::Kind::fail;
    } else {
        parts_.counters.connections.fetch_add(1, std::memory_order_relaxed);
        ConnectionSource source(*this, destination);
        net::EndpointsOutcome walk = co_await net::run_client_endpoints(
            route.endpoints, connection_options(destination, route), source);
        if (!*alive) co_return;
        unfinished = source.take_unfinished();
        bool reached = walk.last.transactions > 0 || walk.last.clean;
        if (!reached) {
            parts_.counters.connection_failures.fetch_add(1, std::memory_order_relaxed);
            failure_reply = walk.last.outcome.reply;
            failure = walk.last.outcome.describe();
            nlohmann::json attempts = nlohmann::json::array();
            for (const auto& attempt : walk.attempts)
                attempts.push_back(attempt.endpoint + ": " + attempt.outcome.describe());
            parts_.events.write("connection_failed", {{"domain", destination.domain},
                                                      {"attempts", std::move(attempts)}});
        }
    }
    // A route failure (DNS) holds for the whole destination; a connection that reached no
    // server does only when no other connection to the destination is open (Postfix marks a
    // destination dead after as many failures in a row as its concurrency): while others
    // deliver, its own unfinished work is deferred, the ready queue is theirs, and no new
    // connection replaces it (a server refusing extra connections must not see a storm).
    bool destination_failed =
        !failure.empty() && (route.kind != Route::Kind::deliver || destination.connections == 1);
    if (!failure.empty()) {
        if (destination_failed) {
            for (auto& item : destination.ready)
                unfinished.push_back(std::move(item));
            destination.ready.clear();
        }
        if (failure_reply.code == 0) failure_reply = smtp::make_reply(451, "4.4.1", failure);
        for (auto& item : unfinished)
            settle_without_attempt(item, failure_reply, permanent, failure);
    } else {
        // Items the session never started go back to the front, in order.
        for (auto it = unfinished.rbegin(); it != unfinished.rend(); ++it)
            destination.ready.push_front(std::move(*it));
    }
    --destination.connections;
    --connections_;
    parts_.metrics.connection_closed(ConnectionDirection::outbound);
    if (stopping_) {
        if (connections_ == 0 && stopped_) {
            auto done = std::move(stopped_);
            stopped_ = nullptr;
            done();
        }
        co_return;
    }
    if (!failure.empty() && !destination_failed) co_return;
    maybe_start_connections(destination);
}

void QueueManager::set_local_endpoints(std::vector<asio::ip::tcp::endpoint> endpoints) {
    local_endpoints_ = std::move(endpoints);
}

void QueueManager::drop_local_endpoints(Route& route, const std::string& domain) const {
    auto local = [this](const net::Endpoint& endpoint) {
        return std::any_of(local_endpoints_.begin(), local_endpoints_.end(), [&](const auto& own) {
            return own.port() == endpoint.address.port() &&
                   (own.address() == endpoint.address.address() || own.address().is_unspecified());
        });
    };
    // RFC 5321 5.1: a relay that finds itself among the MX hosts uses only those more preferred
    // than itself. The endpoints are in preference order, so everything from the first one
    // that is this relay on goes (hosts of its own preference shuffled ahead of it too, almost).
    std::size_t before = route.endpoints.size();
    auto first_local = std::find_if(route.endpoints.begin(), route.endpoints.end(), local);
    route.endpoints.erase(first_local, route.endpoints.end());
    if (route.endpoints.empty() && before > 0) {
        // Postfix's "mail for X loops back to myself": a permanent failure, not a retry.
        route.kind = Route::Kind::fail;
        route.reply =
            smtp::make_reply(554, "5.4.6", "mail for " + domain + " loops back to myself");
    }
}

std::optional<smtp::OutgoingMessage> QueueManager::outgoing(const WorkItem& item,
                                                            std::uint64_t tag) {
    auto found = messages_.find(item.id);
    if (found == messages_.end() || found->second.removed) return std::nullopt;
    const SpoolMessage& meta = found->second.meta;
    auto body = parts_.spool.read_body(meta.id);
    if (!body) {
        log::error("relay.body_missing", {{"id", meta.id}});
        return std::nullopt;
    }
    smtp::OutgoingMessage message;
    message.id = tag;
    message.mail_from = meta.mail_from;
    message.smtputf8 = meta.smtputf8;
    message.eight_bit = meta.eight_bit;
    message.envid = meta.dsn_envid;
    if (meta.dsn_ret == "FULL") message.dsn_return = smtp::DsnReturn::full;
    if (meta.dsn_ret == "HDRS") message.dsn_return = smtp::DsnReturn::headers;
    for (std::uint32_t index : item.recipients) {
        const SpoolRecipient& recipient = meta.recipients[index];
        message.recipients.push_back(recipient.address);
        smtp::RecipientDsn dsn;
        dsn.notify = recipient.notify;
        if (auto semicolon = recipient.orcpt.find(';'); semicolon != std::string::npos) {
            dsn.orcpt_type = recipient.orcpt.substr(0, semicolon);
            dsn.orcpt = recipient.orcpt.substr(semicolon + 1);
        }
        message.recipient_dsn.push_back(std::move(dsn));
    }
    if (parts_.dkim) {
        auto& field = found->second.dkim_field;
        if (!field) field = parts_.dkim->sign(*body).value_or(std::string());
        if (!field->empty()) body->insert(0, *field);
    }
    message.content = std::make_shared<const std::string>(std::move(*body));
    return message;
}

void QueueManager::record_transaction(const WorkItem& item, const smtp::TransactionResult& result,
                                      const std::string& tls) {
    parts_.counters.transactions.fetch_add(1, std::memory_order_relaxed);
    parts_.metrics.count_attempt_reply(static_cast<unsigned>(result.final.code));
    auto found = messages_.find(item.id);
    if (found == messages_.end()) return;
    QueuedMessage& message = found->second;
    if (!result.accepted && result.outcome.content_sent) {
        parts_.counters.duplicate_risk.fetch_add(1, std::memory_order_relaxed);
    }
    std::int64_t now = log::now_unix_millis();
    nlohmann::json outcomes = nlohmann::json::array();
    for (std::size_t k = 0; k < item.recipients.size(); ++k) {
        SpoolRecipient& recipient = message.meta.recipients[item.recipients[k]];
        smtp::RecipientResult unanswered;
        const smtp::RecipientResult& got =
            k < result.recipients.size() ? result.recipients[k] : unanswered;
        smtp::Reply reply;
        Fate fate = fate_of(result, got, reply);
        recipient.last_reply = reply_text(reply, result.outcome);
        std::string_view event;
        switch (fate) {
            case Fate::delivered:
                recipient.state = RecipientState::delivered;
                parts_.metrics.count_delivery(DeliveryResult::delivered);
                parts_.metrics.observe_delivery_latency(
                    std::chrono::milliseconds(now - message.meta.received_at_ms));
                event = "delivered";
                break;
            case Fate::failed:
                recipient.state = RecipientState::failed;
                message.newly_failed.push_back(item.recipients[k]);
                parts_.metrics.count_delivery(DeliveryResult::bounced);
                event = "bounced";
                break;
            case Fate::deferred:
                message.deferred_this_round = true;
                message.last_failure = recipient.last_reply;
                parts_.metrics.count_delivery(DeliveryResult::deferred);
                event = "deferred";
                break;
        }
        parts_.events.write(event, {{"id", message.meta.id},
                                    {"recipient", recipient.address},
                                    {"reply", recipient.last_reply},
                                    {"tls", tls},
                                    {"attempt", message.meta.attempts + 1},
                                    {"delay_ms", now - message.meta.received_at_ms}});
    }
    parts_.events.write("attempt",
                        {{"id", message.meta.id},
                         {"domain", domain_of(message.meta.recipients[item.recipients[0]].address)},
                         {"recipients", item.recipients.size()},
                         {"reply", reply_text(result.final, result.outcome)},
                         {"outcome", result.outcome.key()},
                         {"tls", tls}});
    if (--message.outstanding == 0) round_done(message);
}

void QueueManager::settle_without_attempt(const WorkItem& item, const smtp::Reply& reply,
                                          bool permanent, const std::string& why) {
    auto found = messages_.find(item.id);
    if (found == messages_.end()) return;
    QueuedMessage& message = found->second;
    std::string text = reply.code != 0 ? reply.summary() : why;
    for (std::uint32_t index : item.recipients) {
        SpoolRecipient& recipient = message.meta.recipients[index];
        recipient.last_reply = text;
        if (permanent) {
            recipient.state = RecipientState::failed;
            message.newly_failed.push_back(index);
            parts_.metrics.count_delivery(DeliveryResult::bounced);
        } else {
            message.deferred_this_round = true;
            message.last_failure = text;
            parts_.metrics.count_delivery(DeliveryResult::deferred);
        }
        parts_.events.write(permanent ? "bounced" : "deferred",
                            {{"id", message.meta.id},
                             {"recipient", recipient.address},
                             {"reply", text},
                             {"attempt", message.meta.attempts + 1}});
    }
    if (--message.outstanding == 0) round_done(message);
}

void QueueManager::release(const WorkItem& item) {
    auto found = messages_.find(item.id);
    if (found == messages_.end()) return;
    if (--found->second.outstanding == 0) round_done(found->second);
}

void QueueManager::round_done(QueuedMessage& message) {
    if (message.removed) {
        finish(message, "removed");
        return;
    }
    if (!message.newly_failed.empty()) send_dsn(message);
    bool pending = std::any_of(message.meta.recipients.begin(), message.meta.recipients.end(),
                               [](const auto& r) { return r.state == RecipientState::pending; });
    if (!pending) {
        finish(message, "done");
        return;
    }
    if (!message.deferred_this_round) {
        // Only possible when stopping put work back: the message stays as it is.
        parts_.spool.update(message.meta);
        return;
    }
    ++message.meta.attempts;
    auto now = WallClock::now();
    if (expired(from_millis(message.meta.received_at_ms), now, parts_.config.retry,
                message.meta.mail_from.empty())) {
        fail_expired(message);
        return;
    }
    auto next = next_attempt(message.meta.attempts, now, parts_.config.retry, rng_);
    message.meta.next_attempt_ms = log::unix_millis(next);
    parts_.spool.update(message.meta);
    parts_.events.write("retry_scheduled", {{"id", message.meta.id},
                                            {"attempts", message.meta.attempts},
                                            {"next_attempt", log::format_rfc3339_ms(next)}});
    schedule(message, message.meta.next_attempt_ms);
}

void QueueManager::fail_expired(QueuedMessage& message) {
    for (std::uint32_t i = 0; i < message.meta.recipients.size(); ++i) {
        SpoolRecipient& recipient = message.meta.recipients[i];
        if (recipient.state != RecipientState::pending) continue;
        recipient.state = RecipientState::failed;
        // RFC 3463 4.4.7: delivery time expired; the last reply says why it kept failing.
        recipient.last_reply = "451 4.4.7 message expired after " +
                               std::to_string(message.meta.attempts) +
                               " attempts; last: " + message.last_failure;
        message.newly_failed.push_back(i);
        parts_.metrics.count_delivery(DeliveryResult::expired);
        parts_.events.write("expired", {{"id", message.meta.id},
                                        {"recipient", recipient.address},
                                        {"reply", message.last_failure},
                                        {"attempts", message.meta.attempts}});
    }
    send_dsn(message);
    finish(message, "expired");
}

void QueueManager::send_dsn(QueuedMessage& message) {
    std::vector<std::uint32_t> failed = std::move(message.newly_failed);
    message.newly_failed.clear();
    if (message.meta.mail_from.empty()) {
        // RFC 5321 6.1: never a bounce for a bounce.
        parts_.counters.dsn_suppressed.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    std::erase_if(failed,
                  [&](std::uint32_t i) { return !wants_failure_dsn(message.meta.recipients[i]); });
    if (failed.empty()) return;
    auto body = parts_.spool.read_body(message.meta.id);
    DsnMessage dsn = make_failure_dsn(parts_.config, message.meta, failed,
                                      body ? std::string_view(*body) : std::string_view());
    if (!dsn.ok()) {
        log::warn("relay.dsn_not_made", {{"id", message.meta.id}, {"error", dsn.error}});
        return;
    }
    SpoolMessage bounce;
    bounce.id = parts_.spool.new_id();
    bounce.recipients.push_back(SpoolRecipient{message.meta.mail_from, "", "", {}, ""});
    bounce.received_at_ms = log::now_unix_millis();
    bounce.body_size = dsn.content.size();
    bounce.eight_bit = dsn.eight_bit;
    bounce.smtputf8 = dsn.smtputf8;
    bounce.helo = parts_.config.hostname;
    parts_.counters.dsn_created.fetch_add(1, std::memory_order_relaxed);
    parts_.events.write("dsn_created", {{"id", bounce.id},
                                        {"original_id", message.meta.id},
                                        {"to", message.meta.mail_from},
                                        {"recipients", failed.size()}});
    auto alive = alive_;
    auto executor = executor_;
    SpoolMessage queued = bounce;
    parts_.spool.store(std::move(bounce), std::move(dsn.content),
                       [this, alive, executor, queued](std::error_code ec) mutable {
                           asio::post(
                               executor, [this, alive, ec, queued = std::move(queued)]() mutable {
                                   if (!*alive) return;
                                   if (ec) {
                                       log::error("relay.dsn_spool_failed",
                                                  {{"id", queued.id}, {"error", ec.message()}});
                                       return;
                                   }
                                   enqueue(std::move(queued));
                               });
                       });
}

void QueueManager::finish(QueuedMessage& message, std::string_view why) {
    parts_.spool.finish(message.meta.id);
    parts_.events.write("finished", {{"id", message.meta.id}, {"why", why}});
    std::string id = message.meta.id;
    messages_.erase(id);
    parts_.metrics.set_queue_depth(messages_.size());
}

void QueueManager::schedule(QueuedMessage& message, std::int64_t due_ms) {
    message.waiting = true;
    message.due_ms = due_ms;
    bool earliest = due_.empty() || due_ms < due_.begin()->first;
    due_.emplace(due_ms, message.meta.id);
    if (earliest) retry_timer_.cancel();
}

asio::awaitable<void> QueueManager::retry_timer_loop() {
    auto alive = alive_;
    while (*alive && !stopping_) {
        if (due_.empty()) {
            retry_timer_.expires_after(std::chrono::hours(24));
        } else {
            std::int64_t wait_ms = due_.begin()->first - log::now_unix_millis();
            retry_timer_.expires_after(
                std::chrono::milliseconds(std::max<std::int64_t>(wait_ms, 0)));
        }
        co_await retry_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!*alive || stopping_) co_return;
        std::int64_t now = log::now_unix_millis();
        while (!due_.empty() && due_.begin()->first <= now) {
            auto [due, id] = *due_.begin();
            due_.erase(due_.begin());
            auto found = messages_.find(id);
            if (found == messages_.end()) continue;
            QueuedMessage& message = found->second;
            if (!message.waiting || message.due_ms != due) continue;  // flushed or rescheduled
            dispatch(message);
        }
    }
}

void QueueManager::stop(std::chrono::milliseconds grace, std::function<void()> done) {
    stopping_ = true;
    retry_timer_.cancel();
    for (auto& [domain, destination] : destinations_) {
        for (auto* timer : destination->idle)
            timer->cancel();
        destination->idle.clear();
    }
    if (connections_ == 0) {
        done();
        return;
    }
    stopped_ = std::move(done);
    stop_timer_ = std::make_unique<asio::steady_timer>(executor_, grace);
    auto alive = alive_;
    stop_timer_->async_wait([this, alive](boost::system::error_code) {
        if (!*alive || !stopped_) return;
        log::warn("relay.stop_grace_expired", {{"connections", connections_}});
        auto finish_stop = std::move(stopped_);
        stopped_ = nullptr;
        finish_stop();
    });
}

nlohmann::json QueueManager::list(const QueueQuery& query) const {
    nlohmann::json messages = nlohmann::json::array();
    std::size_t total = 0;
    std::string domain = lower(query.domain);
    for (const auto& [id, message] : messages_) {
        if (!domain.empty() && std::none_of(message.meta.recipients.begin(),
                                            message.meta.recipients.end(), [&](const auto& r) {
                                                return r.state == RecipientState::pending &&
                                                       domain_of(r.address) == domain;
                                            })) {
            continue;
        }
        ++total;
        if (messages.size() < query.limit) messages.push_back(message_json(message.meta));
    }
    return {{"total", total}, {"messages", std::move(messages)}};
}

std::optional<nlohmann::json> QueueManager::inspect(const std::string& id) const {
    auto found = messages_.find(id);
    if (found == messages_.end()) return std::nullopt;
    nlohmann::json out = message_json(found->second.meta);
    auto body = parts_.spool.read_body(id);
    std::string headers;
    if (body) {
        auto end = body->find("\r\n\r\n");
        headers = body->substr(0, end == std::string::npos ? body->size() : end + 2);
    }
    out["headers"] = headers;
    out["waiting"] = found->second.waiting;
    return out;
}

std::size_t QueueManager::flush(const std::string& id, const std::string& domain) {
    std::size_t made_due = 0;
    std::string wanted_domain = lower(domain);
    for (auto& [key, message] : messages_) {
        if (!message.waiting) continue;
        if (!id.empty() && key != id) continue;
        if (!wanted_domain.empty() &&
            std::none_of(message.meta.recipients.begin(), message.meta.recipients.end(),
                         [&](const auto& r) {
                             return r.state == RecipientState::pending &&
                                    domain_of(r.address) == wanted_domain;
                         })) {
            continue;
        }
        ++made_due;
        dispatch(message);
    }
    return made_due;
}

bool QueueManager::remove(const std::string& id) {
    auto found = messages_.find(id);
    if (found == messages_.end()) return false;
    QueuedMessage& message = found->second;
    parts_.events.write("removed", {{"id", id}});
    if (message.outstanding > 0) {
        message.removed = true;  // settles when its work comes back
        return true;
    }
    message.waiting = false;
    finish(message, "removed");
    return true;
}

}  // namespace relaylab::relay
