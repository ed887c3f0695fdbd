#include "fake-mx/api/api_server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <list>
#include <optional>
#include <system_error>
#include <thread>

#include "harness/log/log.hpp"
#include "harness/log/spawn_handler.hpp"
#include "harness/net/connection_governor.hpp"
#include "harness/net/descriptor_limit.hpp"

namespace relaylab::fakemx::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;
// After a failed accept (out of descriptors) wait before trying again instead of spinning.
constexpr std::chrono::milliseconds accept_backoff{100};
// 503 answers being written at once; beyond, a refused connection is just closed.
constexpr std::size_t max_busy_answers = 16;
constexpr std::chrono::seconds busy_write_timeout{1};

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
    return &ec.category() == &http::make_error_code(http::error::bad_method).category();
}

}  // namespace

struct ApiServer::Impl {
    Impl(ApiConfig c, capture::CaptureStore& store, StatsSource stats)
        : config(std::move(c)), router(store, std::move(stats)) {}

    ApiConfig config;
    ApiRouter router;
    // Declared before the io_context: connection coroutines, destroyed with the context,
    // still decrement it.
    std::atomic<std::size_t> active{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> evicted{0};
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
    asio::awaitable<bool> send(beast::tcp_stream& stream, const ApiResponse& answer,
                               unsigned version, bool keep_alive);
};

// Closes the connection that has waited longest for a request (of one client, or of anyone):
// keep-alives that already finished a request go first, then connections that never sent one.
bool ApiServer::Impl::make_room(const net::ClientKey* of_client) {
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
asio::awaitable<void> ApiServer::Impl::answer_busy(tcp::socket socket) {
    struct Done {
        std::size_t& busy;
        ~Done() { --busy; }
    } done{busy_answers};
    beast::tcp_stream stream(std::move(socket));
    ApiResponse answer = json_error(503, "too many connections; try again");
    http::response<http::string_body> response{http::status::service_unavailable, 11};
    response.set(http::field::server, "relaylab-fakemx");
    response.set(http::field::content_type, answer.content_type);
    response.set(http::field::retry_after, "1");
    response.keep_alive(false);
    response.body() = answer.body;
    response.prepare_payload();
    stream.expires_after(busy_write_timeout);
    co_await http::async_write(stream, response, nothrow);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
}

asio::awaitable<void> ApiServer::Impl::accept_loop() {
    asio::steady_timer backoff(co_await asio::this_coro::executor);
    for (;;) {
        auto [ec, socket] = co_await acceptor->async_accept(nothrow);
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        if (ec) {
            log::warn("api.accept_failed",
                      {{"listener", config.address + ':' + std::to_string(port)},
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
                               log::spawn_handler("api.busy_answer"));
            } else {
                boost::system::error_code ignored;
                socket.close(ignored);
            }
            continue;
        }
        ++active;
        auto self = connections.insert(connections.end(), Connection{.key = key});
        asio::co_spawn(acceptor->get_executor(), serve(beast::tcp_stream(std::move(socket)), self),
                       log::spawn_handler("api.connection"));
    }
}

asio::awaitable<bool> ApiServer::Impl::send(beast::tcp_stream& stream, const ApiResponse& answer,
                                            unsigned version, bool keep_alive) {
    http::response<http::string_body> response{static_cast<http::status>(answer.status), version};
    response.set(http::field::server, "relaylab-fakemx");
    response.set(http::field::content_type, answer.content_type);
    response.set(http::field::cache_control, "no-store");
    if (!answer.allow.empty()) response.set(http::field::allow, answer.allow);
    response.keep_alive(keep_alive);
    response.body() = answer.body;
    response.prepare_payload();
    stream.expires_after(config.write_timeout);
    auto [ec, written] = co_await http::async_write(stream, response, nothrow);
    co_return !ec;
}

asio::awaitable<void> ApiServer::Impl::serve(beast::tcp_stream stream,
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

    beast::flat_buffer buffer(config.max_header_bytes + config.max_body_bytes);
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
        parser.body_limit(config.max_body_bytes);
        stream.expires_after(self->served_one ? config.keep_alive_timeout : config.read_timeout);
        // Pipelined bytes already buffered mean a request is on its way: not idle.
        self->waiting = buffer.size() == 0;
        self->waiting_since = Clock::now();
        auto [ec, read] = co_await http::async_read(stream, buffer, parser, nothrow);
        self->waiting = false;
        if (self->evicted) break;
        if (ec) {
            // Answer what the client can act on; a peer that went away or timed out gets nothing.
            std::optional<ApiResponse> answer;
            if (ec == http::error::body_limit)
                answer = json_error(
                    413, "request body over " + std::to_string(config.max_body_bytes) + " bytes");
            else if (ec == http::error::header_limit)
                answer = json_error(431, "request line and header fields over " +
                                             std::to_string(config.max_header_bytes) + " bytes");
            else if (is_parse_error(ec) && ec != http::error::end_of_stream &&
                     ec != http::error::partial_message)
                answer = json_error(400, "malformed HTTP request: " + ec.message());
            if (answer) co_await send(stream, *answer, 11, false);
            break;
        }
        const auto& request = parser.get();
        ApiResponse answer = router.handle(request.method_string(), request.target());
        bool keep_alive = request.keep_alive();
        if (!co_await send(stream, answer, request.version(), keep_alive) || !keep_alive) break;
        self->served_one = true;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
}

ApiServer::ApiServer(ApiConfig config, capture::CaptureStore& store, StatsSource stats)
    : impl_(std::make_unique<Impl>(std::move(config), store, std::move(stats))) {}

ApiServer::~ApiServer() {
    stop();
}

void ApiServer::start() {
    Impl& impl = *impl_;
    impl.io.emplace(1);
    impl.acceptor.emplace(*impl.io);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(impl.config.address, ec);
    std::string where = impl.config.address + ":" + std::to_string(impl.config.port);
    if (ec) throw std::system_error(ec, "API listen address " + where);
    tcp::endpoint endpoint(address, impl.config.port);
    impl.acceptor->open(endpoint.protocol(), ec);
    if (!ec) impl.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl.acceptor->bind(endpoint, ec);
    if (!ec) impl.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::system_error(ec, "API listen on " + where);
    impl.port = impl.acceptor->local_endpoint().port();
    impl.governor = std::make_unique<net::ConnectionGovernor>(
        net::GovernorLimits{.max_connections = impl.config.max_connections,
                            .max_per_client = impl.config.max_connections_per_client},
        &net::DescriptorBudget::process());
    asio::co_spawn(*impl.io, impl.accept_loop(), log::spawn_handler("api.listener"));
    impl.thread = std::thread([&impl] { impl.io->run(); });
}

void ApiServer::stop() {
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

std::uint16_t ApiServer::port() const {
    return impl_->port;
}

std::string ApiServer::endpoint() const {
    return impl_->config.address + ":" + std::to_string(impl_->port);
}

std::uint64_t ApiServer::refused_connections() const {
    return impl_->refused.load();
}

std::uint64_t ApiServer::evicted_connections() const {
    return impl_->evicted.load();
}

}  // namespace relaylab::fakemx::api
