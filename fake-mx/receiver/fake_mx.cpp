#include "fake-mx/receiver/fake_mx.hpp"

#include <array>
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
#include "fake-mx/capture/capture_json.hpp"
#include "fake-mx/capture/storing_transcript_observer.hpp"
#include "fake-mx/placement/model/list_unsubscribe.hpp"
#include "fake-mx/placement/model/provider_policy.hpp"
#include "harness/dns/resolver.hpp"
#include "harness/exec/worker_pool.hpp"
#include "harness/net/bounded_lru.hpp"
#include "harness/net/ip_range.hpp"
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
    std::atomic<std::uint64_t> complaints{0};  // report_complaint calls for this host
    // Placements of the messages judged at end of data, indexed by placement::Placement.
    std::array<std::atomic<std::uint64_t>, 4> placements{};
    std::mutex mutex;
    std::map<std::string, std::uint64_t> behaviour_replies;  // "rcpt 451" -> count
};

// Forward-confirmed reverse DNS results per client IP. Only answers are kept (a DNS failure
// is asked again next time); bounded like the behaviour tables, as every client is a new key.
class FcrdnsCache {
  public:
    using Clock = std::chrono::steady_clock;
    // Long enough that a sender's burst costs one lookup, short enough that a fixed PTR is
    // seen within a test run's pause.
    static constexpr std::chrono::seconds keep_for{300};

    explicit FcrdnsCache(std::size_t capacity) : entries_(capacity) {}

    std::optional<bool> find(const std::string& ip, Clock::time_point now) {
        std::lock_guard lock(mutex_);
        const Entry* entry = entries_.find(ip);
        if (entry == nullptr || now >= entry->expires) return std::nullopt;
        return entry->confirmed;
    }
    void store(const std::string& ip, bool confirmed, Clock::time_point now) {
        std::lock_guard lock(mutex_);
        entries_.get_or_insert(ip, Entry{}) = Entry{confirmed, now + keep_for};
    }

  private:
    struct Entry {
        bool confirmed = false;
        Clock::time_point expires{};
    };
    std::mutex mutex_;
    net::BoundedLru<Entry> entries_;
};

// A PTR with more names than this is not a mail server's (and each name costs a lookup).
constexpr std::size_t max_ptr_names = 5;

bool temporary(dns::Status status) {
    return status == dns::Status::servfail || status == dns::Status::timeout ||
           status == dns::Status::refused;
}

// Forward-confirmed reverse DNS (FCrDNS, RFC 8601 2.7.3 "iprev"): a PTR name of `ip` whose
// A/AAAA records include `ip`. nullopt: DNS failed, so nobody can tell.
asio::awaitable<std::optional<bool>> forward_confirmed(dns::Resolver& resolver,
                                                       const std::string& ip) {
    auto address = net::parse_ip(ip);
    if (!address) co_return false;
    auto names = co_await resolver.ptr(ip);
    if (temporary(names.status)) co_return std::nullopt;
    bool unknown = false;
    for (std::size_t i = 0; i < names.values.size() && i < max_ptr_names; ++i) {
        // Not `v4 ? co_await a() : co_await aaaa()`: GCC 12 destroys the unevaluated arm's
        // result at the end of the full expression (a double free).
        dns::LookupResult<std::string> forward;
        if (address->v4) {
            forward = co_await resolver.a(names.values[i]);
        } else {
            forward = co_await resolver.aaaa(names.values[i]);
        }
        if (temporary(forward.status)) unknown = true;
        for (const std::string& value : forward.values) {
            auto resolved = net::parse_ip(value);
            if (resolved && resolved->bytes == address->bytes) co_return true;
        }
    }
    if (unknown) co_return std::nullopt;
    co_return false;
}

// The capture's placement text: compact JSON, like the verdicts beside it.
std::string placement_json(const PlacementSummary& summary) {
    nlohmann::json spam = nullptr;
    if (summary.spam != nullptr && summary.spam->scored) {
        spam = {{"score", summary.spam->score},
                {"threshold", summary.spam->threshold},
                {"rules", summary.spam->rules}};
    } else if (summary.spam != nullptr && !summary.spam->error.empty()) {
        spam = {{"error", summary.spam->error}};
    }
    nlohmann::json out = {{"provider", summary.provider.empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(summary.provider)},
                          {"placement", placement::to_string(summary.placement)},
                          {"reason", summary.reason},
                          {"spam", std::move(spam)},
                          {"list_unsubscribe", summary.list_unsubscribe},
                          {"one_click", summary.one_click}};
    return capture::dump_json(out);
}

}  // namespace

struct World;

// One simulated MX host: its engine, its SMTP server, its counters.
struct Host {
    World& owner;
    std::string name;
    BehaviourEngine engine;
    std::unique_ptr<net::SmtpServer> server;
    HostCounters counters;
    // The behaviour's provider policy, if any, and what it needs per client.
    std::optional<placement::ProviderJudge> provider;
    bool needs_fcrdns = false;
    std::optional<FcrdnsCache> fcrdns_cache;

    Host(World& o, std::string n, Behaviour behaviour)
        : owner(o), name(std::move(n)), engine(std::move(behaviour)) {
        const Behaviour& b = engine.behaviour();
        if (b.provider) {
            provider.emplace(*b.provider, b.max_tracked_entries);
            needs_fcrdns = b.provider->all.fcrdns || b.provider->bulk.fcrdns;
            if (needs_fcrdns) fcrdns_cache.emplace(b.max_tracked_entries);
        }
    }

    asio::awaitable<smtp::Decision> decide(net::DecisionContext& context);
    asio::awaitable<void> capture(smtp::ReceivedMessage&& message,
                                  const smtp::ConnectionInfo& connection, const net::TlsInfo& tls,
                                  SystemClock::time_point connected_at,
                                  const auth::Verdicts* verdicts, const AuthSummary* summary,
                                  const PlacementSummary& placement, std::string placement_text);
    // Tells the observer of a refusal or a drop (recipients as ReceiverEvent says).
    void notify_refusal(const net::DecisionContext& context, const smtp::Decision& decision,
                        const PlacementSummary* placement = nullptr);
    asio::awaitable<std::optional<auth::Verdicts>> judge(smtp::ServerSession& session);
    asio::awaitable<std::optional<bool>> fcrdns(const std::string& client_ip);
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

asio::awaitable<std::optional<bool>> Host::fcrdns(const std::string& client_ip) {
    const auto now = SteadyClock::now();
    if (auto cached = fcrdns_cache->find(client_ip, now)) co_return cached;
    auto executor = co_await asio::this_coro::executor;
    std::optional<bool> confirmed = co_await forward_confirmed(owner.resolver(executor), client_ip);
    if (confirmed) fcrdns_cache->store(client_ip, *confirmed, now);
    co_return confirmed;
}

asio::awaitable<void> Host::capture(smtp::ReceivedMessage&& message,
                                    const smtp::ConnectionInfo& connection, const net::TlsInfo& tls,
                                    SystemClock::time_point connected_at,
                                    const auth::Verdicts* verdicts, const AuthSummary* summary,
                                    const PlacementSummary& placement, std::string placement_text) {
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
    captured.placement = std::move(placement_text);
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
        event.placement = &placement;
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
    // Spam scoring before the decision, so that rules and the provider policy can use it.
    placement::SpamScore spam;
    const bool scored = context.phase == smtp::Phase::data_end && owner.config.spamd;
    if (scored) {
        spam = co_await placement::score_with_spamd(*owner.config.spamd, session.message().content);
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
        if (scored && spam.scored) facts.spam_score = spam.score;
        outcome = engine.decide(facts, now);
    }

    // Placement at end of data: a rule that replied (or dropped) decided it; otherwise the
    // provider policy, or spamd's score alone. A rule with "accept" does not exempt a message
    // from the policy (the engine's outcome cannot tell it from no rule at all).
    placement::PolicyDecision placed;
    placement::ListUnsubscribe list_unsubscribe;
    placement::MessageFacts policy_facts;
    const bool rule_decided = outcome.reply || outcome.disconnect != Disconnect::none;
    if (context.phase == smtp::Phase::data_end) {
        // Every message's List-Unsubscribe is read when someone looks at it: the policy, or
        // the observer (a run's report shows the coverage of every receiver, modelled or not).
        if (provider || owner.config.observer)
            list_unsubscribe = placement::read_list_unsubscribe(session.message().content);
        if (provider) {
            policy_facts.auth = placement::AuthWords{auth_facts.spf, auth_facts.dkim,
                                                     auth_facts.dmarc, auth_facts.dmarc_policy};
            if (verdicts) policy_facts.from_domain = verdicts->dmarc.domain;
            policy_facts.client_ip = client_ip;
            policy_facts.tls = session.tls_active();
            policy_facts.list_unsubscribe = &list_unsubscribe;
            policy_facts.spam = scored ? &spam : nullptr;
        }
        if (rule_decided) {
            placed.reason = "behaviour: " + outcome.rule;
        } else if (provider) {
            if (needs_fcrdns) policy_facts.fcrdns = co_await fcrdns(client_ip);
            placed = provider->judge(policy_facts, now);
            if (placed.reply) {
                outcome.reply = placed.reply;
                // 421 announces the close (RFC 5321 3.8), as Gmail's 4.7.28 does.
                if (placed.reply->code == 421) outcome.disconnect = Disconnect::after_reply;
            }
        } else {
            placed = placement::default_placement(scored ? &spam : nullptr);
        }
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
        if (!accepted) {
            placed.placement = decision.reply && decision.reply->transient()
                                   ? placement::Placement::deferred
                                   : placement::Placement::rejected;
            if (placed.reason.empty()) placed.reason = "accept limit reached";
        }
        PlacementSummary summary;
        if (provider) summary.provider = provider->policy().provider;
        summary.placement = placed.placement;
        summary.reason = placed.reason;
        summary.spam = scored ? &spam : nullptr;
        summary.list_unsubscribe = list_unsubscribe.present;
        summary.one_click = list_unsubscribe.one_click();
        summary.from_domain = policy_facts.from_domain;
        ++counters.placements[static_cast<std::size_t>(placed.placement)];
        if (accepted) {
            engine.message_accepted(client_ip, now);
            if (provider) {
                // Every recipient's mailbox is a base for the complaint rate.
                provider->message_accepted(policy_facts, now, placed.placement,
                                           session.envelope().recipients.size());
            }
            // Hosts without a policy or spamd keep the capture as before: no placement text.
            std::string text =
                provider || scored ? placement_json(summary) : std::string(capture::no_placement);
            co_await capture(session.take_message(), session.connection(), context.tls,
                             context.connected_at, verdicts ? &*verdicts : nullptr,
                             verdicts ? &auth_summary : nullptr, summary, std::move(text));
        } else {
            ++counters.rejected_messages;
            notify_refusal(context, decision, &summary);
        }
    } else if (decision.silent || (decision.reply && !decision.reply->positive())) {
        notify_refusal(context, decision);
    }
    co_return decision;
}

void Host::notify_refusal(const net::DecisionContext& context, const smtp::Decision& decision,
                          const PlacementSummary* placement) {
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
    event.placement = placement;
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
        nlohmann::json placements = nlohmann::json::object();
        for (auto kind : {placement::Placement::inbox, placement::Placement::spam,
                          placement::Placement::rejected, placement::Placement::deferred}) {
            placements[std::string(placement::to_string(kind))] =
                host->counters.placements[static_cast<std::size_t>(kind)].load();
        }
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
            {"complaints", host->counters.complaints.load()},
            {"timeouts", s.timeouts.load()},
            {"tls_failures", s.tls_failures.load()},
            {"greylist_entries", tables.greylist},
            {"tracked_clients", tables.clients},
            {"placement", std::move(placements)},
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
        if (behaviour.provider && !impl.config.auth_dns) {
            // Every provider requirement reads verdicts or DNS: without them each message would
            // be refused as unauthenticated, which is no model of the provider at all.
            throw FakeMxError("host " + host_config.name + ": behaviour " + behaviour.name +
                              " models provider " + behaviour.provider->provider +
                              ", which needs DNS for verdicts (--dns / auth_dns)");
        }
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

void FakeMx::report_complaint(std::string_view host_name, std::string_view from_domain) {
    for (auto& host : impl_->hosts) {
        if (host->name != host_name) continue;
        ++host->counters.complaints;
        if (host->provider) host->provider->complaint(from_domain, SteadyClock::now());
        return;
    }
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
