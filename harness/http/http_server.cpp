#include "harness/http/http_server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>
#include <list>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>

#include "harness/http/response_stream.hpp"

#include "harness/log/log.hpp"
#include "harness/log/spawn_handler.hpp"
#include "harness/net/connection_governor.hpp"
#include "harness/net/descriptor_limit.hpp"

namespace relaylab::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;
// After a failed accept (out of descriptors) wait before trying again instead of spinning.
constexpr std::chrono::milliseconds accept_backoff{100};
// 503 answers being written at once; beyond, a refused connection is just closed.
constexpr std::size_t max_busy_answers = 16;
constexpr std::chrono::seconds busy_write_timeout{1};
constexpr unsigned http_1_1 = 11;

// One open connection as the room-making logic sees it (io thread only).
struct Connection {
    beast::tcp_stream* stream = nullptr;
    net::ClientKey key;
    bool waiting = false;     // waiting for a request (not reading one known to be there)
    bool served_one = false;  // a keep-alive connection that finished a request
    Clock::time_point waiting_since{};
    bool evicted = false;  // closed to make room; its slot is already released
};

bool is_parse_error(const boost::system::error_code& ec) {
    return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category();
}

std::string endpoint_text(const std::string& address, std::uint16_t port) {
    bool v6 = address.find(':') != std::string::npos;
    std::string out = v6 ? "[" : "";
    out += address;
    out += v6 ? "]:" : ":";
    out += std::to_string(port);
    return out;
}

}  // namespace

struct HttpServer::Impl {
    Impl(HttpServerConfig c, HttpHandler h) : config(std::move(c)), handler(std::move(h)) {
        event_accept_failed = config.log_area + ".accept_failed";
        event_handler_failed = config.log_area + ".handler_failed";
        spawn_busy = config.log_area + ".busy_answer";
        spawn_connection = config.log_area + ".connection";
        spawn_listener = config.log_area + ".listener";
    }

    HttpServerConfig config;
    HttpHandler handler;
    // Event names built once: spawn handlers keep a view of theirs, and Impl outlives every
    // coroutine (the io_context is destroyed in stop()).
    std::string event_accept_failed;
    std::string event_handler_failed;
    std::string spawn_busy;
    std::string spawn_connection;
    std::string spawn_listener;
    // Declared before the io_context: connection coroutines, destroyed with the context,
    // still decrement it.
    std::atomic<std::size_t> active{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> evicted{0};
    std::atomic<std::uint64_t> handler_failures{0};
    std::size_t busy_answers = 0;
    std::list<Connection> connections;  // io thread only
    std::unique_ptr<net::ConnectionGovernor> governor;
    std::uint16_t port = 0;
    std::optional<asio::io_context> io;
    std::optional<tcp::acceptor> acceptor;
    std::thread thread;
    bool stopped = false;

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(beast::tcp_stream stream, std::list<Connection>::iterator self);
    asio::awaitable<void> answer_busy(tcp::socket socket);
    bool make_room(const net::ClientKey* of_client);
    HttpResponse call_handler(const HttpRequest& request);
    asio::awaitable<bool> send(beast::tcp_stream& stream, const HttpResponse& answer,
                               unsigned version, bool keep_alive);
    asio::awaitable<void> send_stream(beast::tcp_stream& stream, const HttpResponse& answer,
                                      unsigned version);
    asio::awaitable<bool> write_piece(beast::tcp_stream& stream, std::string_view bytes,
                                      bool chunked);
};

// Closes the connection that has waited longest for a request (of one client, or of anyone):
// keep-alives that already finished a request go first, then connections that never sent one.
bool HttpServer::Impl::make_room(const net::ClientKey* of_client) {
    Connection* victim = nullptr;
    for (auto& connection : connections) {
        if (!connection.waiting || connection.evicted) continue;
        if (of_client && !(connection.key == *of_client)) continue;
        if (!victim || (connection.served_one && !victim->served_one) ||
            (connection.served_one == victim->served_one &&
             connection.waiting_since < victim->waiting_since)) {
            victim = &connection;
        }
    }
    if (!victim) return false;
    victim->evicted = true;
    governor->release(victim->key);
    --active;
    ++evicted;
    boost::system::error_code ignored;
    victim->stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    victim->stream->socket().cancel(ignored);
    return true;
}

// "Full" answered at once, so a client never waits on a connection nobody will read.
asio::awaitable<void> HttpServer::Impl::answer_busy(tcp::socket socket) {
    struct Done {
        std::size_t& busy;
        ~Done() { --busy; }
    } done{busy_answers};
    beast::tcp_stream stream(std::move(socket));
    HttpResponse answer = json_error(503, "too many connections; try again");
    bhttp::response<bhttp::string_body> response{bhttp::status::service_unavailable, http_1_1};
    response.set(bhttp::field::server, config.server_name);
    response.set(bhttp::field::content_type, answer.content_type);
    response.set(bhttp::field::retry_after, "1");
    response.keep_alive(false);
    response.body() = answer.body;
    response.prepare_payload();
    stream.expires_after(busy_write_timeout);
    co_await bhttp::async_write(stream, response, nothrow);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
    asio::steady_timer backoff(co_await asio::this_coro::executor);
    for (;;) {
        auto [ec, socket] = co_await acceptor->async_accept(nothrow);
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        if (ec) {
            log::warn(event_accept_failed, {{"listener", endpoint_text(config.address, port)},
                                            {"error", ec.message()},
                                            {"backoff_ms", accept_backoff.count()}});
            backoff.expires_after(accept_backoff);
            co_await backoff.async_wait(nothrow);
            continue;
        }
        boost::system::error_code peer_ec;
        auto peer = socket.remote_endpoint(peer_ec);
        net::ClientKey key = net::client_key(peer_ec ? "" : peer.address().to_string());
        auto now = Clock::now();
        net::Refusal refusal = governor->admit(key, now);
        if (refusal == net::Refusal::client_connections && make_room(&key)) {
            refusal = governor->admit(key, now);
        }
        if (refusal != net::Refusal::none && refusal != net::Refusal::client_connections &&
            make_room(nullptr)) {
            refusal = governor->admit(key, now);
        }
        if (refusal != net::Refusal::none) {
            ++refused;
            if (busy_answers < max_busy_answers) {
                ++busy_answers;
                asio::co_spawn(acceptor->get_executor(), answer_busy(std::move(socket)),
                               log::spawn_handler(spawn_busy));
            } else {
                boost::system::error_code ignored;
                socket.close(ignored);
            }
            continue;
        }
        ++active;
        auto self = connections.insert(connections.end(), Connection{.key = key});
        asio::co_spawn(acceptor->get_executor(), serve(beast::tcp_stream(std::move(socket)), self),
                       log::spawn_handler(spawn_connection));
    }
}

// A handler that throws answers 500 instead of taking the connection (and its client's
// answer) down with it; the failure is logged and counted.
HttpResponse HttpServer::Impl::call_handler(const HttpRequest& request) {
    try {
        return handler(request);
    } catch (const std::exception& e) {
        ++handler_failures;
        log::error(event_handler_failed,
                   {{"method", request.method}, {"target", request.target}, {"error", e.what()}});
    } catch (...) {
        ++handler_failures;
        log::error(event_handler_failed, {{"method", request.method},
                                          {"target", request.target},
                                          {"error", "unknown exception"}});
    }
    return json_error(500, "internal error while answering this request (see the server log)");
}

asio::awaitable<bool> HttpServer::Impl::send(beast::tcp_stream& stream, const HttpResponse& answer,
                                             unsigned version, bool keep_alive) {
    bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(answer.status),
                                                 version};
    response.set(bhttp::field::server, config.server_name);
    response.set(bhttp::field::content_type, answer.content_type);
    response.set(bhttp::field::cache_control, "no-store");
    if (!answer.allow.empty()) response.set(bhttp::field::allow, answer.allow);
    if (!answer.location.empty()) response.set(bhttp::field::location, answer.location);
    response.keep_alive(keep_alive);
    response.body() = answer.body;
    response.prepare_payload();
    stream.expires_after(config.limits.write_timeout);
    auto [ec, written] = co_await bhttp::async_write(stream, response, nothrow);
    co_return !ec;
}

// One piece of a streamed body within the write deadline: a reader that stopped reading makes
// the write time out, and the connection is dropped instead of its bytes piling up here.
asio::awaitable<bool> HttpServer::Impl::write_piece(beast::tcp_stream& stream,
                                                    std::string_view bytes, bool chunked) {
    stream.expires_after(config.limits.write_timeout);
    boost::system::error_code ec;
    if (chunked) {
        std::tie(ec, std::ignore) =
            co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(bytes)), nothrow);
    } else {
        std::tie(ec, std::ignore) =
            co_await asio::async_write(stream, asio::buffer(bytes), nothrow);
    }
    // No deadline while the stream waits for its producer: only writes are timed.
    stream.expires_never();
    co_return !ec;
}

// A streamed body (response_stream.hpp): the header at once, then what the stream yields,
// each piece within the write deadline, and its heartbeat when idle. Chunked on HTTP/1.1, so
// a client tells a stream that ended (the last chunk) from one that was cut; close-delimited
// on HTTP/1.0. Over when the stream ends, a write fails or times out, or the server stops.
asio::awaitable<void> HttpServer::Impl::send_stream(beast::tcp_stream& stream,
                                                    const HttpResponse& answer, unsigned version) {
    ResponseStream& body = *answer.stream;
    struct Detach {
        ResponseStream& body;
        ~Detach() { body.detach(); }
    } detach{body};
    auto executor = co_await asio::this_coro::executor;
    // The producer wakes this coroutine by cancelling the timer it waits on, from the io
    // thread (post): take() and the wait never interleave with it, so no wake is lost.
    auto wake = std::make_shared<asio::steady_timer>(executor);
    body.set_waker([executor, weak = std::weak_ptr<asio::steady_timer>(wake)] {
        asio::post(executor, [weak] {
            if (auto timer = weak.lock()) timer->cancel();
        });
    });

    bool chunked = version >= http_1_1;
    bhttp::response<bhttp::empty_body> header{static_cast<bhttp::status>(answer.status), version};
    header.set(bhttp::field::server, config.server_name);
    header.set(bhttp::field::content_type, answer.content_type);
    // no-cache, not no-store: what the event-stream convention (and browsers) expect; either
    // way no cache may hold or replay a live stream.
    header.set(bhttp::field::cache_control, "no-cache");
    header.keep_alive(false);
    if (chunked) header.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> serializer{header};
    stream.expires_after(config.limits.write_timeout);
    auto [header_ec, header_written] =
        co_await bhttp::async_write_header(stream, serializer, nothrow);
    stream.expires_never();
    if (header_ec) co_return;

    const StreamLimits& limits = body.limits();
    bool heartbeat = limits.heartbeat_interval.count() > 0 && !limits.heartbeat.empty();
    auto last_write = Clock::now();
    for (;;) {
        ResponseStream::Taken taken = body.take();
        if (taken.cut) co_return;  // no last chunk: the client sees a cut stream
        if (!taken.bytes.empty()) {
            if (!co_await write_piece(stream, taken.bytes, chunked)) co_return;
            last_write = Clock::now();
        }
        if (taken.last) break;
        if (!taken.bytes.empty()) continue;
        if (heartbeat)
            wake->expires_at(last_write + limits.heartbeat_interval);
        else
            wake->expires_at(Clock::time_point::max());
        auto [wait_ec] = co_await wake->async_wait(nothrow);
        if (!wait_ec && heartbeat) {
            if (!co_await write_piece(stream, limits.heartbeat, chunked)) co_return;
            last_write = Clock::now();
        }
    }
    if (chunked) {
        stream.expires_after(config.limits.write_timeout);
        co_await asio::async_write(stream, bhttp::make_chunk_last(), nothrow);
        stream.expires_never();
    }
}

asio::awaitable<void> HttpServer::Impl::serve(beast::tcp_stream stream,
                                              std::list<Connection>::iterator self) {
    struct Release {
        Impl& impl;
        std::list<Connection>::iterator self;
        ~Release() {
            if (!self->evicted) {
                impl.governor->release(self->key);
                --impl.active;
            }
            impl.connections.erase(self);
        }
    } release{*this, self};
    self->stream = &stream;
    const HttpLimits& limits = config.limits;

    boost::system::error_code peer_ec;
    auto peer = stream.socket().remote_endpoint(peer_ec);
    std::string client_address = peer_ec ? std::string() : peer.address().to_string();

    beast::flat_buffer buffer(limits.max_header_bytes + limits.max_body_bytes);
    for (;;) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
        parser.body_limit(limits.max_body_bytes);
        stream.expires_after(self->served_one ? limits.keep_alive_timeout : limits.read_timeout);
        // Pipelined bytes already buffered mean a request is on its way: not idle.
        self->waiting = buffer.size() == 0;
        self->waiting_since = Clock::now();
        auto [ec, read] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
        self->waiting = false;
        if (self->evicted) break;
        if (ec) {
            // Answer what the client can act on; a peer that went away or timed out gets nothing.
            std::optional<HttpResponse> answer;
            if (ec == bhttp::error::body_limit)
                answer = json_error(
                    413, "request body over " + std::to_string(limits.max_body_bytes) + " bytes");
            else if (ec == bhttp::error::header_limit)
                answer = json_error(431, "request line and header fields over " +
                                             std::to_string(limits.max_header_bytes) + " bytes");
            else if (is_parse_error(ec) && ec != bhttp::error::end_of_stream &&
                     ec != bhttp::error::partial_message)
                answer = json_error(400, "malformed HTTP request: " + ec.message());
            if (answer) co_await send(stream, *answer, http_1_1, false);
            break;
        }
        auto& message = parser.get();
        HttpRequest request{.method = std::string(message.method_string()),
                            .target = std::string(message.target()),
                            .body = std::move(message.body()),
                            .content_type = std::string(message[bhttp::field::content_type]),
                            .client_address = client_address};
        HttpResponse answer = call_handler(request);
        if (answer.stream) {
            co_await send_stream(stream, answer, message.version());
            break;
        }
        bool keep_alive = message.keep_alive();
        if (!co_await send(stream, answer, message.version(), keep_alive) || !keep_alive) break;
        self->served_one = true;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
}

HttpServer::HttpServer(HttpServerConfig config, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler))) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    Impl& impl = *impl_;
    impl.io.emplace(1);
    impl.acceptor.emplace(*impl.io);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(impl.config.address, ec);
    std::string where = endpoint_text(impl.config.address, impl.config.port);
    if (ec) throw std::system_error(ec, "HTTP listen address " + where);
    tcp::endpoint endpoint(address, impl.config.port);
    impl.acceptor->open(endpoint.protocol(), ec);
    if (!ec) impl.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl.acceptor->bind(endpoint, ec);
    if (!ec) impl.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::system_error(ec, "HTTP listen on " + where);
    impl.port = impl.acceptor->local_endpoint().port();
    impl.governor = std::make_unique<net::ConnectionGovernor>(
        net::GovernorLimits{.max_connections = impl.config.limits.max_connections,
                            .max_per_client = impl.config.limits.max_connections_per_client},
        &net::DescriptorBudget::process());
    asio::co_spawn(*impl.io, impl.accept_loop(), log::spawn_handler(impl.spawn_listener));
    impl.thread = std::thread([&impl] { impl.io->run(); });
}

void HttpServer::stop() {
    Impl& impl = *impl_;
    if (impl.stopped || !impl.io) return;
    impl.stopped = true;
    impl.io->stop();
    if (impl.thread.joinable()) impl.thread.join();
    // Destroying the context destroys the suspended connection coroutines and closes their
    // sockets, so clients see the close now rather than at destruction of the server.
    impl.acceptor.reset();
    impl.io.reset();
}

std::uint16_t HttpServer::port() const {
    return impl_->port;
}

std::string HttpServer::endpoint() const {
    return endpoint_text(impl_->config.address, impl_->port);
}

std::uint64_t HttpServer::refused_connections() const {
    return impl_->refused.load();
}

std::uint64_t HttpServer::evicted_connections() const {
    return impl_->evicted.load();
}

std::uint64_t HttpServer::handler_failures() const {
    return impl_->handler_failures.load();
}

}  // namespace relaylab::http
