#include "harness/net/smtp_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <list>
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

struct LiveConnection {
    SmtpStream* stream = nullptr;
    bool stop_requested = false;
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
};

asio::awaitable<void> SmtpServer::Impl::accept_loop(Worker& worker, tcp::acceptor& acceptor,
                                                    const ListenerConfig& listener) {
    asio::steady_timer backoff(worker.context);
    while (!stopping) {
        auto [ec, socket] = co_await acceptor.async_accept(nothrow);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) co_return;
            // Out of descriptors or a transient error: pause rather than spin.
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(nothrow);
            continue;
        }
        asio::co_spawn(worker.context, serve(worker, std::move(socket), listener), asio::detached);
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

asio::awaitable<void> SmtpServer::Impl::serve(Worker& worker, tcp::socket socket,
                                              const ListenerConfig& listener) {
    std::uint64_t number = ++next_connection;
    ++stats.connections;
    SmtpStream stream(std::move(socket));
    if (stats.active >= config.max_connections) {
        ++stats.refused_connections;
        std::string refusal =
            "421 4.7.0 " + config.session.hostname + " Error: too many connections\r\n";
        stream.expires_after(std::chrono::seconds(5));
        boost::system::error_code ignored;
        co_await stream.write_all(refusal, ignored);
        stream.close();
        co_return;
    }
    ++stats.active;
    auto live = worker.live.insert(worker.live.end(), LiveConnection{&stream, false});
    struct Leave {
        Worker& worker;
        std::list<LiveConnection>::iterator live;
        ServerStats& stats;
        ~Leave() {
            worker.live.erase(live);
            --stats.active;
        }
    } leave{worker, live, stats};

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
    info.client_address = stream.remote_endpoint().address().to_string();
    info.client_port = stream.remote_endpoint().port();
    info.tls = listener.implicit_tls;
    smtp::ServerConfig session_config = config.session;
    session_config.tls_available = config.tls != nullptr;
    smtp::ServerSession session(session_config, info);
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
    session.start();
    for (;;) {
        while (auto action = session.poll()) {
            switch (*action) {
                case smtp::ServerSession::Action::decide: {
                    // Replies already queued go out before a decision that may take its time.
                    if (!co_await flush(stream, session.output())) co_return;
                    DecisionContext context{session, session.pending_phase(), number, stream.tls()};
                    // Not a ?: around co_await: g++ 12 mis-destroys the temporaries there.
                    smtp::Decision decision;
                    if (config.decide) decision = co_await config.decide(context);
                    session.decide(decision);
                    break;
                }
                case smtp::ServerSession::Action::start_tls: {
                    if (!co_await flush(stream, session.output())) co_return;
                    begin = end = 0;  // plaintext sent after STARTTLS is dropped (RFC 3207 6)
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
                    smtp::ReceivedMessage message = session.take_message();
                    ++stats.messages;
                    stats.bytes += message.size;
                    if (config.on_message) config.on_message(std::move(message), stream.tls());
                    break;
                }
                case smtp::ServerSession::Action::close:
                    co_await flush(stream, session.output());
                    stream.expires_after(config.timeouts.shutdown_grace);
                    co_await stream.shutdown();
                    co_return;
            }
        }
        if (begin < end) {
            std::size_t used = session.feed(std::string_view(buffer.get() + begin, end - begin));
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
            case smtp::ServerSession::Waiting::bdat_chunk:
                stream.expires_after(config.timeouts.data);
                break;
            default:
                // The command timeout runs from the start of a command line: a client that
                // drips one byte at a time (slowloris) does not get it extended.
                if (!session.mid_line()) stream.expires_after(config.timeouts.command);
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
                asio::detached);
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
