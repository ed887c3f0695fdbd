#include "fake-mx/receiver/fake_mx.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "fake-mx/api/api_server.hpp"
#include "fake-mx/behaviour/behaviour_engine.hpp"
#include "fake-mx/capture/storing_transcript_observer.hpp"
#include "harness/dns/resolver.hpp"
#include "harness/exec/worker_pool.hpp"
#include "harness/net/tls.hpp"
#include "probes/auth/async/judge_async.hpp"
#include "probes/auth/verdict_format.hpp"

namespace relaylab::fakemx {

namespace asio = boost::asio;

namespace {

using SteadyClock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;

net::TlsVariant to_variant(CertificateKind kind) {
    switch (kind) {
        case CertificateKind::self_signed:
            return net::TlsVariant::self_signed;
        case CertificateKind::expired:
            return net::TlsVariant::expired;
        case CertificateKind::wrong_host:
            return net::TlsVariant::wrong_host;
        case CertificateKind::valid:
        case CertificateKind::none:
            break;
    }
    return net::TlsVariant::valid;
}

net::TlsVersions to_net(TlsVersions versions) {
    switch (versions) {
        case TlsVersions::tls1_2:
            return net::TlsVersions::tls12_only;
        case TlsVersions::tls1_3:
            return net::TlsVersions::tls13_only;
        case TlsVersions::legacy:
            return net::TlsVersions::legacy;
        case TlsVersions::any:
            break;
    }
    return net::TlsVersions::any;
}

capture::TlsFacts to_facts(const net::TlsInfo& tls) {
    return capture::TlsFacts{tls.active, tls.version, tls.cipher, tls.sni};
}

// Counters of one host beyond net::ServerStats: what the behaviour did.
struct HostCounters {
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> bytes{0};              // of accepted messages
    std::atomic<std::uint64_t> rejected_messages{0};  // a negative reply at end of data
    std::atomic<std::uint64_t> disconnects{0};        // behaviour dropped or closed
    std::atomic<std::uint64_t> judged{0};
    std::mutex mutex;
    std::map<std::string, std::uint64_t> behaviour_replies;  // "rcpt 451" -> count
};

}  // namespace

struct World;

// One simulated MX host: its engine, its SMTP server, its counters.
struct Host {
    World& owner;
    std::string name;
    BehaviourEngine engine;
    std::unique_ptr<net::SmtpServer> server;
    HostCounters counters;

    Host(World& o, std::string n, Behaviour behaviour)
        : owner(o), name(std::move(n)), engine(std::move(behaviour)) {}

    asio::awaitable<smtp::Decision> decide(net::DecisionContext& context);
    asio::awaitable<void> capture(smtp::ReceivedMessage&& message,
                                  const smtp::ConnectionInfo& connection, const net::TlsInfo& tls,
                                  SystemClock::time_point connected_at,
                                  const auth::Verdicts* verdicts, const AuthSummary* summary);
    // Tells the observer of a refusal or a drop (recipients as ReceiverEvent says).
    void notify_refusal(const net::DecisionContext& context, const smtp::Decision& decision);
    asio::awaitable<std::optional<auth::Verdicts>> judge(smtp::ServerSession& session);
};

// Everything the hosts share: configuration, the store, the API, the resolvers.
struct World {
    FakeMxConfig config;
    capture::CaptureStore store;
    std::vector<std::unique_ptr<Host>> hosts;
    std::unique_ptr<api::ApiServer> api;
    bool started = false;
    // Declared after `hosts`, so it goes first: its shutdown delivers the last completions to
    // io_contexts that still exist.
    std::unique_ptr<exec::WorkerPool> disk_pool;      // only with a Maildir
    std::atomic<std::uint64_t> accepted_reserved{0};  // toward config.accept_limit

    // The Resolver is not thread-safe and belongs to an executor: one per io thread, made on
    // first use there.
    std::mutex resolvers_mutex;
    std::unordered_map<std::thread::id, std::unique_ptr<dns::Resolver>> resolvers;

    explicit World(FakeMxConfig c) : config(std::move(c)), store(config.capture) {
        if (store.has_maildir())
            disk_pool = std::make_unique<exec::WorkerPool>(
                exec::WorkerPoolConfig{.threads = std::max(1u, config.disk_threads)});
    }

    // Takes one of the accept_limit slots; false when they are all gone.
    bool reserve_acceptance() {
        if (config.accept_limit == 0) return true;
        std::uint64_t taken = accepted_reserved.load(std::memory_order_relaxed);
        do {
            if (taken >= config.accept_limit) return false;
        } while (!accepted_reserved.compare_exchange_weak(taken, taken + 1));
        return true;
    }

    dns::Resolver& resolver(const asio::any_io_executor& executor) {
        std::lock_guard lock(resolvers_mutex);
        auto& slot = resolvers[std::this_thread::get_id()];
        if (!slot) slot = std::make_unique<dns::Resolver>(executor, *config.auth_dns);
        return *slot;
    }

    nlohmann::json stats() const;
};

struct FakeMx::Impl : World {
    using World::World;
};

asio::awaitable<std::optional<auth::Verdicts>> Host::judge(smtp::ServerSession& session) {
    if (!owner.config.auth_dns) co_return std::nullopt;
    auto executor = co_await asio::this_coro::executor;
    auth::JudgeInput input;
    input.client_ip = session.connection().client_address;
    input.helo = session.helo();
    input.mail_from = session.envelope().mail_from.address();
    input.message = session.message().content;  // a copy: the original is what gets stored
    input.authserv_id = owner.config.authserv_id;
    auth::Verdicts verdicts = co_await auth::judge(owner.resolver(executor), std::move(input));
    ++counters.judged;
    co_return verdicts;
}

asio::awaitable<void> Host::capture(smtp::ReceivedMessage&& message,
                                    const smtp::ConnectionInfo& connection, const net::TlsInfo& tls,
                                    SystemClock::time_point connected_at,
                                    const auth::Verdicts* verdicts, const AuthSummary* summary) {
    capture::Reception reception;
    reception.session_id = connection.session_id;
    reception.host = name;
    reception.client_ip = connection.client_address;
    reception.client_port = connection.client_port;
    reception.tls = to_facts(tls);
    reception.connected_at = connected_at;
    reception.received_at = SystemClock::now();
    std::string raw;
    std::size_t added_prefix = 0;  // our Authentication-Results field, before the content
    if (verdicts != nullptr) {
        reception.auth_verdicts = auth::to_compact_json(*verdicts);
        // The stored copy carries the verdicts as a receiving MTA would add them (RFC 8601).
        raw = auth::authentication_results_field(*verdicts);
        added_prefix = raw.size();
        raw += message.content;
        message.content.clear();
    } else {
        raw = std::move(message.content);
    }
    capture::CapturedMessage captured = capture::from_received(message, reception);
    captured.size = message.size;
    if (owner.config.observer) {
        std::vector<std::string> recipients;
        recipients.reserve(captured.recipients.size());
        for (const auto& r : captured.recipients)
            recipients.push_back(r.address);
        ReceiverEvent event;
        event.kind = ReceiverEvent::Kind::accepted;
        event.host = name;
        event.code = 250;
        event.mail_from = captured.mail_from;
        event.recipients = recipients;
        // The content as the client sent it (without our Authentication-Results field).
        event.content = std::string_view(raw).substr(added_prefix);
        event.tls = &reception.tls;
        event.auth = summary;
        owner.config.observer(event);
    }
    capture::MaildirWrite written;
    if (owner.disk_pool) {
        // The reply waits for the file as before, but the io thread serves others meanwhile.
        const SystemClock::time_point received_at = reception.received_at;
        written = co_await owner.disk_pool->run(co_await asio::this_coro::executor, [&] {
            return owner.store.write_maildir(received_at, raw);
        });
    }
    owner.store.add(std::move(captured), std::move(raw), written);
    ++counters.accepted;
    counters.bytes += message.size;
}

asio::awaitable<smtp::Decision> Host::decide(net::DecisionContext& context) {
    smtp::ServerSession& session = context.session;
    const auto now = SteadyClock::now();
    const std::string& client_ip = session.connection().client_address;

    std::optional<auth::Verdicts> verdicts;
    AuthFacts auth_facts;
    AuthSummary auth_summary;
    if (context.phase == smtp::Phase::data_end) {
        verdicts = co_await judge(session);
        if (verdicts) {
            auth::VerdictSummary summary = auth::summarize(*verdicts);
            auth_facts = AuthFacts{std::string(summary.spf), std::string(summary.dkim),
                                   std::string(summary.dmarc), std::string(summary.arc),
                                   std::string(summary.dmarc_policy)};
            auth_summary =
                AuthSummary{auth_facts.spf, auth_facts.dkim, auth_facts.dmarc, auth_facts.arc};
        }
    }

    // data_end is always decided (for the capture) but the engine may not care about it.
    Outcome outcome;
    if ((engine.decision_phases() & static_cast<unsigned>(context.phase)) != 0) {
        std::string mail_from;
        std::vector<std::string> recipients;
        std::string recipient;
        if (context.phase != smtp::Phase::connect && context.phase != smtp::Phase::helo) {
            mail_from = session.envelope().mail_from.address();
            recipients.reserve(session.envelope().recipients.size());
            for (const auto& r : session.envelope().recipients)
                recipients.push_back(r.path.address());
            if (context.phase == smtp::Phase::mail) mail_from = session.pending_path().address();
            if (context.phase == smtp::Phase::rcpt) recipient = session.pending_path().address();
        }
        Facts facts;
        facts.phase = context.phase;
        facts.client_ip = client_ip;
        facts.helo = context.phase == smtp::Phase::helo ? session.pending_helo() : session.helo();
        facts.mail_from = mail_from;
        facts.recipient = recipient;
        facts.recipients = recipients;
        facts.connection_number = context.connection_number;
        facts.message_number =
            session.transaction_number() + (context.phase == smtp::Phase::mail ? 1 : 0);
        facts.tls = session.tls_active();
        facts.auth = verdicts ? &auth_facts : nullptr;
        outcome = engine.decide(facts, now);
    }

    if (outcome.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, outcome.delay);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    smtp::Decision decision;
    decision.reply = outcome.reply;
    decision.drip_interval = outcome.tarpit_interval;
    switch (outcome.disconnect) {
        case Disconnect::none:
            break;
        case Disconnect::before_reply:
            decision.silent = true;
            ++counters.disconnects;
            break;
        case Disconnect::after_reply:
            decision.disconnect = true;
            ++counters.disconnects;
            break;
        case Disconnect::mid_data:
            decision.drop_after_bytes = outcome.mid_data_bytes;
            ++counters.disconnects;
            break;
    }
    if (outcome.reply) {
        std::lock_guard lock(counters.mutex);
        ++counters.behaviour_replies[std::string(smtp::to_string(context.phase)) + ' ' +
                                     std::to_string(outcome.reply->code)];
    }
    if (context.phase == smtp::Phase::data_end) {
        // A connection dropped instead of the final reply still leaves the message with the
        // receiver (it was complete): captured, as a real MX would have delivered it, which is
        // how a sender's retry turns into a duplicate.
        bool accepted = !decision.reply || decision.reply->positive();
        if (accepted && !owner.reserve_acceptance()) {
            // --count reached: this one is not taken, and the client should go elsewhere.
            accepted = false;
            decision = smtp::Decision{};
            decision.reply = smtp::Reply{421, "4.3.2", {"message limit reached, closing"}};
            decision.disconnect = true;
        }
        if (accepted) {
            engine.message_accepted(client_ip, now);
            co_await capture(session.take_message(), session.connection(), context.tls,
                             context.connected_at, verdicts ? &*verdicts : nullptr,
                             verdicts ? &auth_summary : nullptr);
        } else {
            ++counters.rejected_messages;
            notify_refusal(context, decision);
        }
    } else if (decision.silent || (decision.reply && !decision.reply->positive())) {
        notify_refusal(context, decision);
    }
    co_return decision;
}

void Host::notify_refusal(const net::DecisionContext& context, const smtp::Decision& decision) {
    if (!owner.config.observer) return;
    const smtp::ServerSession& session = context.session;
    std::vector<std::string> recipients;
    std::string mail_from;
    if (context.phase == smtp::Phase::rcpt) {
        recipients.push_back(session.pending_path().address());
        mail_from = session.envelope().mail_from.address();
    } else if (context.phase == smtp::Phase::data_end) {
        for (const auto& r : session.envelope().recipients)
            recipients.push_back(r.path.address());
        mail_from = session.envelope().mail_from.address();
    }
    ReceiverEvent event;
    event.kind = decision.silent ? ReceiverEvent::Kind::dropped : ReceiverEvent::Kind::refused;
    event.phase = context.phase;
    event.host = name;
    event.code = decision.silent || !decision.reply ? 0 : decision.reply->code;
    event.mail_from = mail_from;
    event.recipients = recipients;
    owner.config.observer(event);
}

nlohmann::json World::stats() const {
    nlohmann::json out;
    nlohmann::json host_list = nlohmann::json::array();
    for (const auto& host : hosts) {
        const net::ServerStats& s = host->server->stats();
        nlohmann::json replies = nlohmann::json::object();
        {
            std::lock_guard lock(host->counters.mutex);
            for (const auto& [key, count] : host->counters.behaviour_replies)
                replies[key] = count;
        }
        auto tables = host->engine.table_sizes();
        host_list.push_back({
            {"host", host->name},
            {"port", host->server->port()},
            {"connections", s.connections.load()},
            {"active_connections", s.active.load()},
            {"refused_connections", s.refused_connections.load()},
            {"refused_client_connections", s.refused_client_connections.load()},
            {"accept_failures", s.accept_failures.load()},
            {"messages", host->counters.accepted.load()},
            {"bytes", host->counters.bytes.load()},
            {"rejected_messages", host->counters.rejected_messages.load()},
            {"behaviour_disconnects", host->counters.disconnects.load()},
            {"behaviour_replies", replies},
            {"judged_messages", host->counters.judged.load()},
            {"timeouts", s.timeouts.load()},
            {"tls_failures", s.tls_failures.load()},
            {"greylist_entries", tables.greylist},
            {"tracked_clients", tables.clients},
        });
    }
    out["hosts"] = std::move(host_list);
    return out;
}

FakeMx::FakeMx(FakeMxConfig config) {
    if (config.hosts.empty()) throw FakeMxError("no fake MX host configured");
    impl_ = std::make_unique<Impl>(std::move(config));
    auto& impl = *impl_;
    if (impl.config.auth_dns) {
        try {
            dns::validate(*impl.config.auth_dns);
        } catch (const std::exception& e) {
            throw FakeMxError(std::string("DNS for verdicts: ") + e.what());
        }
    }
    std::optional<net::TestCa> ca;
    auto test_ca = [&]() -> const net::TestCa& {
        if (!ca) {
            try {
                ca = impl.config.tls_ca_dir.empty()
                         ? net::make_test_ca()
                         : net::load_or_create_test_ca(impl.config.tls_ca_dir);
            } catch (const std::exception& e) {
                throw FakeMxError("test CA: " + std::string(e.what()));
            }
        }
        return *ca;
    };

    for (const auto& host_config : impl.config.hosts) {
        const Behaviour& behaviour = host_config.behaviour;
        auto host = std::make_unique<Host>(impl, host_config.name, behaviour);
        net::SmtpServerConfig server;
        server.listeners = {net::ListenerConfig{host_config.address, host_config.port, false}};
        server.session.hostname = host_config.name;
        server.session.banner = "ESMTP relaylab fake-mx";
        server.session.bare_newline = impl.config.bare_newline;  // the behaviour may override
        apply_server_settings(behaviour, server.session);
        server.timeouts = impl.config.timeouts;
        server.max_connections = impl.config.max_connections;
        server.client_limits = impl.config.client_limits;
        server.session.max_junk_commands = impl.config.max_junk_commands;
        server.threads = impl.config.threads;
        const std::string& tls_name = server.session.hostname;
        if (behaviour.tls.certificate != CertificateKind::none && !behaviour.tls.broken_starttls) {
            const net::TestCa* issuer = nullptr;
            if (behaviour.tls.certificate != CertificateKind::self_signed) issuer = &test_ca();
            server.tls =
                net::make_variant_server_context(to_variant(behaviour.tls.certificate), tls_name,
                                                 to_net(behaviour.tls.versions), issuer);
        }
        server.broken_starttls = behaviour.tls.broken_starttls;
        if (behaviour.tls.certificate == CertificateKind::none && !behaviour.tls.broken_starttls) {
            server.session.extensions.starttls = false;
        }
        // Every accepted message goes through the data_end decision: it is where the
        // connection's facts (client, TLS, connect time) are at hand for the capture.
        server.session.decisions =
            host->engine.decision_phases() | static_cast<unsigned>(smtp::Phase::data_end);
        Host* h = host.get();
        server.decide = [h](net::DecisionContext& context) { return h->decide(context); };
        server.observe =
            [h, &impl](
                const smtp::ConnectionInfo& connection) -> std::unique_ptr<smtp::SessionObserver> {
            h->engine.connection_opened(connection.client_address);
            if (!impl.config.transcripts) return nullptr;
            return std::make_unique<capture::StoringTranscriptObserver>(impl.store, connection,
                                                                        h->name);
        };
        server.on_close = [h](const smtp::ConnectionInfo& connection) {
            h->engine.connection_closed(connection.client_address);
        };
        host->server = std::make_unique<net::SmtpServer>(std::move(server));
        impl.hosts.push_back(std::move(host));
    }
}

FakeMx::~FakeMx() {
    stop();
}

void FakeMx::start() {
    auto& impl = *impl_;
    if (impl.started) return;
    try {
        for (auto& host : impl.hosts)
            host->server->start();
        if (impl.config.api) {
            api::ApiConfig api_config;
            api_config.address = impl.config.api->address;
            api_config.port = impl.config.api->port;
            impl.api = std::make_unique<api::ApiServer>(api_config, impl.store,
                                                        [&impl] { return impl.stats(); });
            impl.api->start();
        }
    } catch (...) {
        for (auto& host : impl.hosts)
            host->server->stop();
        throw;
    }
    impl.started = true;
}

void FakeMx::stop() {
    auto& impl = *impl_;
    if (!impl.started) return;
    impl.started = false;
    for (auto& host : impl.hosts)
        host->server->stop();
    // The io threads are gone: the resolvers they used can go too.
    {
        std::lock_guard lock(impl.resolvers_mutex);
        impl.resolvers.clear();
    }
    if (impl.api) impl.api->stop();
}

std::size_t FakeMx::host_count() const {
    return impl_->hosts.size();
}

const std::string& FakeMx::host_name(std::size_t host) const {
    return impl_->hosts.at(host)->name;
}

std::uint16_t FakeMx::port(std::size_t host) const {
    return impl_->hosts.at(host)->server->port();
}

std::uint16_t FakeMx::api_port() const {
    return impl_->api ? impl_->api->port() : 0;
}

capture::CaptureStore& FakeMx::store() {
    return impl_->store;
}

nlohmann::json FakeMx::stats() const {
    return impl_->stats();
}

bool FakeMx::accept_limit_reached() const {
    return impl_->config.accept_limit != 0 &&
           impl_->accepted_reserved.load() >= impl_->config.accept_limit;
}

std::uint64_t FakeMx::messages_accepted() const {
    std::uint64_t total = 0;
    for (const auto& host : impl_->hosts)
        total += host->counters.accepted;
    return total;
}

}  // namespace relaylab::fakemx
