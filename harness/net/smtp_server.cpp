#include "harness/net/smtp_server.hpp"

#include "harness/log/log.hpp"
#include "harness/log/spawn_handler.hpp"
#include "harness/net/descriptor_limit.hpp"
#include "harness/net/request_deadline.hpp"
#include "harness/smtp/body_pump.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <list>
#include <optional>
#include <system_error>
#include <thread>

namespace relaylab::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_buffer_size = 64 * 1024;
// Replies queued while the client keeps sending are written once they pass this size, so a
// client that pipelines without reading cannot grow our buffer without bound.
constexpr std::size_t output_flush_threshold = 64 * 1024;

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// A fatal TLS alert record: content type alert (21), record version TLS 1.2, length 2, level
// fatal (2), description handshake_failure (40) — RFC 8446 6 and RFC 5246 7.2.
constexpr char handshake_failure_alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
// How much of the ClientHello the broken-STARTTLS server reads before it answers with the alert.
constexpr std::size_t client_hello_read_size = 16 * 1024;
// After a failed accept (EMFILE, ENFILE, ENOBUFS...) wait this long before the next: the
// pending connection stays in the listen queue, so retrying at once would spin on it.
constexpr std::chrono::milliseconds accept_backoff{100};
// How long a refused connection may take to receive its 421.
constexpr std::chrono::seconds refusal_write_timeout{5};

struct LiveConnection {
    SmtpStream* stream = nullptr;
    bool stop_requested = false;
    asio::steady_timer* tarpit_pause = nullptr;  // set while a reply drips; stop() cancels it
};

// Declaration order matters: destroying the context destroys suspended sessions, which
// unregister from `live`, so `live` must outlive `context`.
struct Worker {
    std::list<LiveConnection> live;  // touched only on this worker's thread
    asio::io_context context{1};
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::thread thread;
};

std::string hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "%llX", static_cast<unsigned long long>(value));
    return text;
}

}  // namespace

struct SmtpServer::Impl {
    SmtpServerConfig config;
    ServerStats& stats;
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<std::uint16_t> ports;
    std::atomic<std::uint64_t> next_connection{0};
    std::atomic<bool> stopping{false};
    std::string id_prefix;
    bool started = false;
    std::unique_ptr<ConnectionGovernor> governor;  // made in start()

    Impl(SmtpServerConfig c, ServerStats& s) : config(std::move(c)), stats(s) {
        auto now = std::chrono::system_clock::now().time_since_epoch();
        id_prefix = hex(static_cast<std::uint64_t>(
                            std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) &
                        0xFFFFFFF);
    }

    asio::awaitable<void> accept_loop(Worker& worker, tcp::acceptor& acceptor,
                                      const ListenerConfig& listener);
    asio::awaitable<void> serve(Worker& worker, tcp::socket socket, const ListenerConfig& listener);
    asio::awaitable<bool> flush(SmtpStream& stream, std::string& output);
    asio::awaitable<bool> drip(SmtpStream& stream, std::string& output,
                               const smtp::Decision& decision, LiveConnection& live);
    asio::awaitable<void> fail_starttls(SmtpStream& stream);
    asio::awaitable<void> refuse(SmtpStream& stream, Refusal refusal, const std::string& client);
    // The command or data timeout, shortened while the server is under stress.
    Clock::duration wait_limit(std::chrono::milliseconds normal) const {
        if (governor && governor->under_stress()) return std::min(normal, config.timeouts.stress);
        return normal;
    }
};

asio::awaitable<void> SmtpServer::Impl::accept_loop(Worker& worker, tcp::acceptor& acceptor,
                                                    const ListenerConfig& listener) {
    asio::steady_timer backoff(worker.context);
    while (!stopping) {
        auto [ec, socket] = co_await acceptor.async_accept(nothrow);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) co_return;
            // Out of descriptors or a transient error: say so, then pause rather than spin.
            // The connection waits in the listen queue and is taken once descriptors free.
            std::uint64_t failures = ++stats.accept_failures;
            boost::system::error_code ignored;
            auto port = acceptor.local_endpoint(ignored).port();
            log::warn("smtp.accept_failed",
                      {{"listener", listener.address + ':' + std::to_string(port)},
                       {"error", ec.message()},
                       {"failures", failures},
                       {"backoff_ms", accept_backoff.count()}});
            backoff.expires_after(accept_backoff);
            co_await backoff.async_wait(nothrow);
            continue;
        }
        asio::co_spawn(worker.context, serve(worker, std::move(socket), listener),
                       log::spawn_handler("smtp.session"));
    }
}

asio::awaitable<bool> SmtpServer::Impl::flush(SmtpStream& stream, std::string& output) {
    if (output.empty()) co_return true;
    stream.expires_after(config.timeouts.write);
    boost::system::error_code ec;
    co_await stream.write_all(output, ec);
    output.clear();
    co_return !ec;
}

// Tarpit: the reply leaves in small pieces with a pause between them. Each write has the write
// timeout; each pause is bounded by the decision itself. A stopping server stops dripping and
// lets the normal flush send the rest, so stop() is not held up by a slow tarpit.
asio::awaitable<bool> SmtpServer::Impl::drip(SmtpStream& stream, std::string& output,
                                             const smtp::Decision& decision, LiveConnection& live) {
    std::size_t chunk = std::max<std::size_t>(1, decision.drip_chunk_bytes);
    asio::steady_timer pause(stream.socket().get_executor());
    live.tarpit_pause = &pause;
    struct Unregister {
        LiveConnection& live;
        ~Unregister() { live.tarpit_pause = nullptr; }
    } unregister{live};
    std::size_t sent = 0;
    while (sent < output.size() && !live.stop_requested && !stopping) {
        std::size_t n = std::min(chunk, output.size() - sent);
        stream.expires_after(config.timeouts.write);
        boost::system::error_code ec;
        co_await stream.write_all(std::string_view(output).substr(sent, n), ec);
        if (ec) {
            output.clear();
            co_return false;
        }
        sent += n;
        // stop() may have come while the write was in flight: then there is no wait to cancel.
        if (sent == output.size() || live.stop_requested || stopping) break;
        // Nothing is pending on the socket while we pause: keep the watchdog quiet meanwhile.
        stream.expires_after(decision.drip_interval + config.timeouts.write);
        pause.expires_after(decision.drip_interval);
        co_await pause.async_wait(nothrow);
    }
    output.erase(0, sent);
    co_return true;
}

// See SmtpServerConfig::broken_starttls. Reading the ClientHello first matters: closing with
// unread bytes makes the kernel send a reset that can overtake the alert.
asio::awaitable<void> SmtpServer::Impl::fail_starttls(SmtpStream& stream) {
    std::unique_ptr<char[]> hello(new char[client_hello_read_size]);
    boost::system::error_code ec;
    stream.expires_after(config.timeouts.tls_handshake);
    co_await stream.read_some(hello.get(), client_hello_read_size, ec);
    if (!ec) {
        stream.expires_after(config.timeouts.write);
        co_await stream.write_all(
            std::string_view(handshake_failure_alert, sizeof handshake_failure_alert), ec);
    }
    if (!ec) {
        // Half-close, then wait (bounded) for the client to hang up after reading the alert.
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.expires_after(config.timeouts.shutdown_grace);
        while (!ec)
            co_await stream.read_some(hello.get(), client_hello_read_size, ec);
    }
    stream.close();
}

// Texts as Postfix words them, so log-watching tools that know Postfix recognise them.
asio::awaitable<void> SmtpServer::Impl::refuse(SmtpStream& stream, Refusal refusal,
                                               const std::string& client) {
    ++stats.refused_connections;
    std::string why = "too many connections";
    if (refusal == Refusal::client_connections) {
        ++stats.refused_client_connections;
        why = "too many connections from " + client;
    } else if (refusal == Refusal::client_rate) {
        ++stats.refused_client_connections;
        why = "too many connection attempts from " + client;
    }
    log::debug("smtp.connection_refused", {{"client", client}, {"reason", to_string(refusal)}});
    std::string reply = "421 4.7.0 " + config.session.hostname + " Error: " + why + "\r\n";
    stream.expires_after(refusal_write_timeout);
    boost::system::error_code ignored;
    co_await stream.write_all(reply, ignored);
    stream.close();
}

asio::awaitable<void> SmtpServer::Impl::serve(Worker& worker, tcp::socket socket,
                                              const ListenerConfig& listener) {
    std::uint64_t number = ++next_connection;
    const auto connected_at = std::chrono::system_clock::now();
    ++stats.connections;
    SmtpStream stream(std::move(socket));
    const std::string client = stream.remote_endpoint().address().to_string();
    const ClientKey client_key = net::client_key(client, config.client_limits.grouping);
    if (Refusal refusal = governor->admit(client_key, Clock::now()); refusal != Refusal::none) {
        co_await refuse(stream, refusal, client);
        co_return;
    }
    ++stats.active;
    auto live = worker.live.insert(worker.live.end(), LiveConnection{&stream, false});
    struct Leave {
        Worker& worker;
        std::list<LiveConnection>::iterator live;
        ServerStats& stats;
        ConnectionGovernor& governor;
        const ClientKey& key;
        ~Leave() {
            worker.live.erase(live);
            --stats.active;
            governor.release(key);
        }
    } leave{worker, live, stats, *governor, client_key};

    if (listener.implicit_tls) {
        boost::system::error_code ec;
        stream.expires_after(config.timeouts.tls_handshake);
        co_await stream.handshake(*config.tls, asio::ssl::stream_base::server, "", ec);
        if (ec) {
            ++stats.tls_failures;
            stream.close();
            co_return;
        }
    }

    smtp::ConnectionInfo info;
    info.session_id = id_prefix + hex(number);
    info.client_address = client;
    info.client_port = stream.remote_endpoint().port();
    info.tls = listener.implicit_tls;
    // Declared before the session so that it runs after the session and observer are gone.
    struct CloseNotice {
        const std::function<void(const smtp::ConnectionInfo&)>& on_close;
        const smtp::ConnectionInfo& info;
        ~CloseNotice() {
            if (on_close) on_close(info);
        }
    } close_notice{config.on_close, info};
    smtp::ServerConfig session_config = config.session;
    session_config.tls_available = config.tls != nullptr || config.broken_starttls;
    // Sinks before the session and pump: the pump's destructor aborts a message still arriving
    // when the connection ends, however it ends.
    smtp::MemoryBodySink memory_sink;
    std::unique_ptr<smtp::BodySink> streaming_sink;
    if (config.body_sink) streaming_sink = config.body_sink(info);
    smtp::ServerSession session(session_config, info);
    smtp::BodyPump body(streaming_sink ? *streaming_sink : memory_sink);
    std::unique_ptr<smtp::SessionObserver> observer;
    if (config.observe) {
        observer = config.observe(info);
        session.set_observer(observer.get());
    }

    // Not a vector: zero-filling 64 KiB per connection is measurable at thousands of
    // connections per second.
    std::unique_ptr<char[]> buffer(new char[read_buffer_size]);
    std::size_t begin = 0;
    std::size_t end = 0;
    // Bytes still to read before a mid-DATA drop (Decision::drop_after_bytes); empty: none.
    std::optional<std::uint64_t> drop_budget;
    // Inside DATA/BDAT: when the body must be complete (ServerTimeouts::min_data_rate).
    RequestDeadline data_deadline(config.timeouts.min_data_rate);
    session.start();
    for (;;) {
        while (auto action = session.poll()) {
            switch (*action) {
                case smtp::ServerSession::Action::decide: {
                    // Replies already queued go out before a decision that may take its time.
                    if (!co_await flush(stream, session.output())) co_return;
                    DecisionContext context{session, session.pending_phase(), number, stream.tls(),
                                            connected_at};
                    // Not a ?: around co_await: g++ 12 mis-destroys the temporaries there.
                    smtp::Decision decision;
                    if (config.decide) decision = co_await config.decide(context);
                    if (context.phase == smtp::Phase::data_end) drop_budget.reset();
                    session.decide(decision);
                    if (decision.drip_interval.count() > 0 && !session.output().empty()) {
                        if (!co_await drip(stream, session.output(), decision, *live)) co_return;
                    }
                    if (decision.drop_after_bytes && context.phase == smtp::Phase::data) {
                        auto waiting = session.waiting_for();
                        if (waiting == smtp::ServerSession::Waiting::data ||
                            waiting == smtp::ServerSession::Waiting::bdat_chunk) {
                            drop_budget = *decision.drop_after_bytes;
                        }
                    }
                    break;
                }
                case smtp::ServerSession::Action::start_tls: {
                    if (!co_await flush(stream, session.output())) co_return;
                    begin = end = 0;  // plaintext sent after STARTTLS is dropped (RFC 3207 6)
                    if (config.broken_starttls) {
                        ++stats.tls_failures;
                        co_await fail_starttls(stream);
                        co_return;
                    }
                    boost::system::error_code ec;
                    stream.expires_after(config.timeouts.tls_handshake);
                    co_await stream.handshake(*config.tls, asio::ssl::stream_base::server, "", ec);
                    if (ec) {
                        ++stats.tls_failures;
                        stream.close();
                        co_return;
                    }
                    session.tls_started();
                    break;
                }
                case smtp::ServerSession::Action::message: {
                    drop_budget.reset();
                    smtp::ReceivedMessage message = session.take_message();
                    ++stats.messages;
                    stats.bytes += message.size;
                    if (config.on_message) config.on_message(std::move(message), stream.tls());
                    break;
                }
                case smtp::ServerSession::Action::body_begin:
                case smtp::ServerSession::Action::body_chunk:
                case smtp::ServerSession::Action::body_end:
                case smtp::ServerSession::Action::body_abort:
                    body.handle(session, *action);
                    break;
                case smtp::ServerSession::Action::close:
                    co_await flush(stream, session.output());
                    stream.expires_after(config.timeouts.shutdown_grace);
                    co_await stream.shutdown();
                    co_return;
            }
        }
        if (drop_budget && *drop_budget == 0) {
            // The receiver "dies" mid-DATA: whatever was queued (the 354) goes out, no reply
            // to the message ever does.
            co_await flush(stream, session.output());
            stream.close();
            co_return;
        }
        if (begin < end) {
            std::size_t available = end - begin;
            if (drop_budget) available = std::min<std::uint64_t>(available, *drop_budget);
            std::size_t used = session.feed(std::string_view(buffer.get() + begin, available));
            if (drop_budget) *drop_budget -= used;
            begin += used;
            if (used == 0 && !session.closed() &&
                session.waiting_for() != smtp::ServerSession::Waiting::shell) {
                begin = end;  // cannot happen by design; never spin on it
            }
            if (session.output().size() >= output_flush_threshold) {
                if (!co_await flush(stream, session.output())) co_return;
            }
            continue;
        }
        begin = end = 0;
        // Everything read is handled: now the replies go out, in one write (RFC 2920).
        if (!co_await flush(stream, session.output())) co_return;
        if (live->stop_requested || stopping) {
            session.shutting_down();
            continue;
        }
        switch (session.waiting_for()) {
            case smtp::ServerSession::Waiting::data:
            case smtp::ServerSession::Waiting::bdat_chunk: {
                auto now = Clock::now();
                stream.expires_after(
                    data_deadline.before_read(now, wait_limit(config.timeouts.data)) - now);
                break;
            }
            default:
                data_deadline.reset();
                // The command timeout runs from the start of a command line: a client that
                // drips one byte at a time (slowloris) does not get it extended.
                if (!session.mid_line()) stream.expires_after(wait_limit(config.timeouts.command));
                break;
        }
        boost::system::error_code ec;
        std::size_t n = co_await stream.read_some(buffer.get(), read_buffer_size, ec);
        if (ec) {
            if (stream.timed_out()) {
                ++stats.timeouts;
                session.timed_out();  // 421 4.4.2, then the close action
                continue;
            }
            if (live->stop_requested || stopping) {
                session.shutting_down();
                continue;
            }
            stream.close();  // the client went away
            co_return;
        }
        // Postfix's per-request deadline: what the client sent buys it time in proportion, so
        // the deadline moves with honest progress and hardly at all with a drip.
        data_deadline.received(n);
        end = n;
    }
}

SmtpServer::SmtpServer(SmtpServerConfig config)
    : impl_(std::make_unique<Impl>(std::move(config), stats_)) {}

SmtpServer::~SmtpServer() {
    stop();
}

void SmtpServer::start() {
    auto& impl = *impl_;
    if (impl.started) return;
    unsigned threads = std::max(1u, impl.config.threads);
    impl.governor = std::make_unique<ConnectionGovernor>(
        GovernorLimits{.max_connections = impl.config.max_connections,
                       .max_per_client = impl.config.client_limits.max_connections,
                       .max_rate_per_client = impl.config.client_limits.max_rate,
                       .grouping = impl.config.client_limits.grouping},
        &DescriptorBudget::process());
    for (unsigned i = 0; i < threads; ++i)
        impl.workers.push_back(std::make_unique<Worker>());
    for (const auto& listener : impl.config.listeners) {
        if (listener.implicit_tls && !impl.config.tls) {
            throw std::runtime_error("implicit TLS listener without a certificate");
        }
        boost::system::error_code ec;
        auto address = asio::ip::make_address(listener.address, ec);
        if (ec) throw std::runtime_error("bad listen address '" + listener.address + "'");
        std::uint16_t port = listener.port;
        for (auto& worker : impl.workers) {
            auto acceptor = std::make_unique<tcp::acceptor>(worker->context);
            tcp::endpoint endpoint(address, port);
            acceptor->open(endpoint.protocol());
            acceptor->set_option(tcp::acceptor::reuse_address(true));
            if (threads > 1) acceptor->set_option(ReusePort(true));
            acceptor->bind(endpoint, ec);
            if (ec) {
                throw std::system_error(
                    ec, "cannot listen on " + listener.address + ':' + std::to_string(port));
            }
            acceptor->listen(asio::socket_base::max_listen_connections);
            port = acceptor->local_endpoint().port();  // the others share the ephemeral port
            worker->acceptors.push_back(std::move(acceptor));
        }
        impl.ports.push_back(port);
    }
    for (auto& worker : impl.workers) {
        for (std::size_t i = 0; i < worker->acceptors.size(); ++i) {
            asio::co_spawn(
                worker->context,
                impl.accept_loop(*worker, *worker->acceptors[i], impl.config.listeners[i]),
                log::spawn_handler("smtp.listener"));
        }
        worker->thread = std::thread([w = worker.get()] { w->context.run(); });
    }
    impl.started = true;
}

void SmtpServer::stop() {
    auto& impl = *impl_;
    if (!impl.started) return;
    impl.started = false;
    impl.stopping = true;
    for (auto& worker : impl.workers) {
        asio::post(worker->context, [w = worker.get()] {
            for (auto& acceptor : w->acceptors) {
                boost::system::error_code ignored;
                acceptor->close(ignored);
            }
            for (auto& connection : w->live) {
                connection.stop_requested = true;
                boost::system::error_code ignored;
                connection.stream->socket().cancel(ignored);
                if (connection.tarpit_pause) connection.tarpit_pause->cancel();
            }
        });
    }
    // Sessions say 421 and close; whatever still runs after the grace period is cut off.
    auto deadline = Clock::now() + impl.config.timeouts.shutdown_grace;
    for (auto& worker : impl.workers) {
        auto idle = std::make_shared<std::atomic<bool>>(false);
        while (!worker->context.stopped() && Clock::now() < deadline && !*idle) {
            asio::post(worker->context, [idle, w = worker.get()] { *idle = w->live.empty(); });
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        worker->context.stop();
    }
    for (auto& worker : impl.workers) {
        if (worker->thread.joinable()) worker->thread.join();
    }
    impl.workers.clear();
}

std::uint16_t SmtpServer::port(std::size_t listener) const {
    return listener < impl_->ports.size() ? impl_->ports[listener] : 0;
}

}  // namespace relaylab::net
