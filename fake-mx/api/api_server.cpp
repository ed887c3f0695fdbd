#include "fake-mx/api/api_server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
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
#include <optional>
#include <system_error>
#include <thread>

namespace relaylab::fakemx::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// After a failed accept (out of descriptors) wait before trying again instead of spinning.
constexpr std::chrono::milliseconds accept_backoff{50};

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
    std::uint16_t port = 0;
    std::optional<asio::io_context> io;
    std::optional<tcp::acceptor> acceptor;
    std::thread thread;
    bool stopped = false;

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(tcp::socket socket);
    asio::awaitable<bool> send(beast::tcp_stream& stream, const ApiResponse& answer,
                               unsigned version, bool keep_alive);
};

asio::awaitable<void> ApiServer::Impl::accept_loop() {
    asio::steady_timer backoff(co_await asio::this_coro::executor);
    for (;;) {
        auto [ec, socket] = co_await acceptor->async_accept(nothrow);
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        if (ec) {
            backoff.expires_after(accept_backoff);
            co_await backoff.async_wait(nothrow);
            continue;
        }
        if (active.load() >= config.max_connections) {
            ++refused;
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        ++active;
        asio::co_spawn(acceptor->get_executor(), serve(std::move(socket)), asio::detached);
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

asio::awaitable<void> ApiServer::Impl::serve(tcp::socket socket) {
    struct Release {
        std::atomic<std::size_t>& active;
        ~Release() { --active; }
    } release{active};

    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer(config.max_header_bytes + config.max_body_bytes);
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
        parser.body_limit(config.max_body_bytes);
        stream.expires_after(config.read_timeout);
        auto [ec, read] = co_await http::async_read(stream, buffer, parser, nothrow);
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
    asio::co_spawn(*impl.io, impl.accept_loop(), asio::detached);
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

}  // namespace relaylab::fakemx::api
