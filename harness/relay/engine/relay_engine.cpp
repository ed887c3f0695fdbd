#include "harness/relay/engine/relay_engine.hpp"

#include <future>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "harness/dns/resolver.hpp"
#include "harness/log/log.hpp"
#include "harness/net/smtp_server.hpp"
#include "harness/net/tls.hpp"
#include "harness/relay/bounce/dkim_signing.hpp"
#include "harness/relay/engagement/engagement_services.hpp"
#include "harness/relay/engine/acceptance.hpp"
#include "harness/relay/engine/event_log.hpp"
#include "harness/relay/engine/queue_manager.hpp"
#include "harness/relay/engine/relay_admin.hpp"

namespace relaylab::relay {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
// How long stop() lets delivery connections finish their transactions.
constexpr auto delivery_stop_grace = 10s;
// The event log reaches its file at least this often when events stop.
constexpr auto event_log_flush_period = 250ms;
}  // namespace

struct RelayEngine::Impl {
    explicit Impl(RelayConfig given) : config(std::move(given)) {}

    RelayConfig config;
    EngineCounters counters;
    RelayMetrics metrics;
    std::unique_ptr<EventLog> events;
    std::unique_ptr<Spool> spool;
    RecoveryReport recovery;
    std::unique_ptr<DkimSigningStep> dkim;

    asio::io_context delivery_context{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> delivery_work;
    std::thread delivery_thread;
    std::unique_ptr<dns::Resolver> resolver;
    std::unique_ptr<QueueManager> queue;
    std::unique_ptr<asio::steady_timer> flush_timer;

    std::unique_ptr<EngagementServices> engagement;
    std::unique_ptr<Acceptance> acceptance;
    std::unique_ptr<net::SmtpServer> relay_in;
    std::unique_ptr<net::SmtpServer> submission;
    std::unique_ptr<RelayAdmin> admin;
    bool started = false;
    bool stopped = false;

    void start_flush_timer() {
        flush_timer->expires_after(event_log_flush_period);
        flush_timer->async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            events->flush();
            start_flush_timer();
        });
    }
};

RelayEngine::RelayEngine(RelayConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

RelayEngine::~RelayEngine() {
    try {
        stop();
    } catch (const std::exception& e) {
        log::error("relay.stop_failed", {{"error", e.what()}});
    }
}

void RelayEngine::start() {
    Impl& s = *impl_;
    if (s.started) return;
    s.started = true;
    s.events = s.config.event_log ? std::make_unique<EventLog>(*s.config.event_log)
                                  : std::make_unique<EventLog>();
    if (!s.config.dkim.empty()) s.dkim = std::make_unique<DkimSigningStep>(s.config.dkim);

    SpoolOptions spool_options;
    spool_options.directory = s.config.spool;
    spool_options.fsync = s.config.spool_fsync;
    s.spool = std::make_unique<Spool>(spool_options);
    s.recovery = s.spool->recovered();
    if (!s.recovery.quarantined.empty() || s.recovery.corrupt_records > 0) {
        log::warn("relay.spool_corruption", {{"corrupt_records", s.recovery.corrupt_records},
                                             {"quarantined", s.recovery.quarantined.size()}});
    }
    log::info("relay.spool_recovered", {{"messages", s.recovery.messages.size()},
                                        {"segments", s.recovery.segments},
                                        {"torn_bytes", s.recovery.torn_bytes}});

    if (s.config.dns) {
        s.resolver = std::make_unique<dns::Resolver>(
            s.delivery_context.get_executor(),
            dns::ResolverConfig::fixture(s.config.dns->host, s.config.dns->port));
    }
    s.queue = std::make_unique<QueueManager>(
        s.delivery_context.get_executor(),
        QueueManager::Parts{*s.spool, s.config, s.resolver.get(), *s.events, s.counters, s.metrics,
                            s.dkim.get()});
    s.flush_timer = std::make_unique<asio::steady_timer>(s.delivery_context);
    s.start_flush_timer();
    asio::post(s.delivery_context, [&s, recovered = s.recovery.messages]() mutable {
        s.queue->load(std::move(recovered));
    });
    s.delivery_work.emplace(s.delivery_context.get_executor());
    s.delivery_thread = std::thread([&s] { s.delivery_context.run(); });

    auto executor = s.delivery_context.get_executor();
    s.acceptance = std::make_unique<Acceptance>(
        s.config, *s.spool, *s.events, s.counters, s.metrics, [&s, executor](SpoolMessage message) {
            asio::post(executor, [&s, message = std::move(message)]() mutable {
                s.queue->enqueue(std::move(message));
            });
        });
    s.engagement = std::make_unique<EngagementServices>(s.config);
    s.engagement->start();
    s.acceptance->add_hooks(s.engagement->hooks());
    std::shared_ptr<asio::ssl::context> tls;
    if (s.config.tls) {
        tls = net::make_server_context_from_files(s.config.tls->certificate.string(),
                                                  s.config.tls->private_key.string());
    }
    if (s.config.relay_in) {
        s.relay_in = std::make_unique<net::SmtpServer>(
            s.acceptance->server_config(ListenerRole::relay_in, *s.config.relay_in, tls));
        s.relay_in->start();
    }
    if (s.config.submission) {
        s.submission = std::make_unique<net::SmtpServer>(
            s.acceptance->server_config(ListenerRole::submission, *s.config.submission, tls));
        s.submission->start();
    }
    std::vector<asio::ip::tcp::endpoint> local;
    auto add_local = [&](const std::optional<ListenerSettings>& listener, net::SmtpServer* server) {
        if (!listener || !server) return;
        boost::system::error_code ec;
        auto address = asio::ip::make_address(listener->address, ec);
        if (!ec) local.emplace_back(address, server->port());
    };
    add_local(s.config.relay_in, s.relay_in.get());
    add_local(s.config.submission, s.submission.get());
    asio::post(s.delivery_context, [&s, local] { s.queue->set_local_endpoints(local); });
    if (s.config.admin) {
        s.admin = std::make_unique<RelayAdmin>(*s.config.admin, s.delivery_context.get_executor(),
                                               *s.queue, *this);
        s.admin->start();
    }
}

void RelayEngine::stop() {
    Impl& s = *impl_;
    if (!s.started || s.stopped) return;
    s.stopped = true;
    if (s.admin) s.admin->stop();
    // Listeners first: no new mail; sessions waiting for a group commit get their reply.
    if (s.relay_in) s.relay_in->stop();
    if (s.submission) s.submission->stop();
    if (s.engagement) s.engagement->stop();
    // Then delivery: open connections finish their transactions. Only when the delivery thread
    // runs: a start() that threw before it (spool locked by another relay, event log not
    // writable) would otherwise wait here forever for a handler nobody runs.
    if (s.delivery_thread.joinable()) {
        std::promise<void> drained;
        asio::post(s.delivery_context, [&s, &drained] {
            s.flush_timer->cancel();
            s.queue->stop(delivery_stop_grace, [&drained] { drained.set_value(); });
        });
        drained.get_future().wait();
    }
    // The spool writes and syncs what it holds (state updates of the last results).
    if (s.spool) s.spool->close();
    s.delivery_work.reset();
    s.delivery_context.stop();
    if (s.delivery_thread.joinable()) s.delivery_thread.join();
    s.queue.reset();
    s.resolver.reset();
    if (s.events) s.events->close();
}

std::uint16_t RelayEngine::relay_in_port() const {
    return impl_->relay_in ? impl_->relay_in->port() : 0;
}
std::uint16_t RelayEngine::submission_port() const {
    return impl_->submission ? impl_->submission->port() : 0;
}
std::uint16_t RelayEngine::admin_port() const {
    return impl_->admin ? impl_->admin->port() : 0;
}
const RelayConfig& RelayEngine::config() const {
    return impl_->config;
}
const EngineCounters& RelayEngine::counters() const {
    return impl_->counters;
}
const RecoveryReport& RelayEngine::recovery() const {
    return impl_->recovery;
}

const RelayMetrics& RelayEngine::metrics() const {
    return impl_->metrics;
}

nlohmann::json RelayEngine::engagement_stats() const {
    return impl_->engagement ? impl_->engagement->stats() : nlohmann::json::object();
}
std::string RelayEngine::unsubscribe_base_url() const {
    return impl_->engagement ? impl_->engagement->unsubscribe_base_url() : std::string();
}
std::string RelayEngine::tracking_base_url() const {
    return impl_->engagement ? impl_->engagement->tracking_base_url() : std::string();
}
std::filesystem::path RelayEngine::unsubscribe_ca_file() const {
    return impl_->engagement ? impl_->engagement->unsubscribe_ca_file() : std::filesystem::path();
}

std::string RelayEngine::metrics_text() const {
    const Impl& s = *impl_;
    SpoolStats spool = s.spool ? s.spool->stats() : SpoolStats{};
    return relay_metrics_text(s.metrics, s.counters, spool);
}

}  // namespace relaylab::relay
