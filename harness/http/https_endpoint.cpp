#include "harness/http/https_endpoint.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "harness/exec/worker_pool.hpp"
#include "harness/log/log.hpp"
#include "harness/log/spawn_handler.hpp"

namespace relaylab::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// A TLS close_notify is a courtesy; a client that does not answer it is not waited for.
constexpr std::chrono::milliseconds shutdown_timeout{500};
// Requests waiting for the handler's worker beyond this wait for a slot (no unbounded queue).
constexpr std::size_t handler_queue_limit = 64;

HttpResponse plain(unsigned status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::move(body);
    return response;
}

}  // namespace

struct HttpsEndpoint::Impl {
    HttpsEndpointConfig config;
    HttpHandler handler;
    std::atomic<std::uint64_t> answered{0};
    std::atomic<std::uint64_t> failed{0};
    std::size_t active = 0;  // touched on the io thread only
    std::uint16_t bound_port = 0;
    std::thread thread;
    bool started = false;
    // After the members its coroutine frames use, before the pool whose jobs post to it.
    asio::io_context io;
    tcp::acceptor acceptor{io};
    // One worker: handlers that fsync are serialised anyway; destroyed (joined) first.
    exec::WorkerPool pool{exec::WorkerPoolConfig{1, handler_queue_limit}};

    asio::awaitable<HttpResponse> answer(const HttpRequest& request) {
        // The request stays in the caller's frame and the job captures it by reference: g++ 12
        // destroys a coroutine temporary that owns strings twice (a lambda capturing the
        // request by value crashed here).
        std::optional<HttpResponse> response;
        try {
            response = co_await pool.run(io.get_executor(), [&] { return handler(request); });
        } catch (const std::exception& error) {
            log::error(config.log_area + ".handler_failed", {{"error", error.what()}});
        }
        if (!response) response = plain(500, "internal error\n");
        co_return std::move(*response);
    }

    asio::awaitable<void> session(tcp::socket socket) {
        boost::system::error_code ec;
        auto peer = socket.remote_endpoint(ec);
        std::string client = ec ? std::string() : peer.address().to_string();
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *config.tls);
        auto& lowest = beast::get_lowest_layer(stream);
        lowest.expires_after(config.handshake_timeout);
        std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
        if (ec) {
            ++failed;
            co_return;
        }

        beast::flat_buffer buffer(config.max_header_bytes + config.max_body_bytes);
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
        parser.body_limit(config.max_body_bytes);
        lowest.expires_after(config.request_timeout);
        std::size_t transferred = 0;
        std::tie(ec, transferred) = co_await bhttp::async_read(stream, buffer, parser, nothrow);
        HttpResponse response;
        bool head = false;
        if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
            response = plain(431, "request header too large\n");
        } else if (ec == bhttp::error::body_limit) {
            response = plain(413, "request body too large\n");
        } else if (ec) {
            ++failed;
            co_return;
        } else {
            const auto& message = parser.get();
            head = message.method() == bhttp::verb::head;
            HttpRequest request;
            request.method = std::string(message.method_string());
            request.target = std::string(message.target());
            request.body = message.body();
            request.content_type = std::string(message[bhttp::field::content_type]);
            request.client_address = client;
            request.host = std::string(message[bhttp::field::host]);
            const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
            request.server_name = sni != nullptr ? sni : "";
            response = co_await answer(request);
        }

        bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), 11};
        out.set(bhttp::field::server, config.server_name);
        out.set(bhttp::field::content_type, response.content_type);
        if (!response.allow.empty()) out.set(bhttp::field::allow, response.allow);
        if (!response.location.empty()) out.set(bhttp::field::location, response.location);
        out.set(bhttp::field::cache_control, "no-store");  // per-recipient pages
        out.set(bhttp::field::connection, "close");
        out.body() = std::move(response.body);
        out.prepare_payload();
        if (head) out.body().clear();
        out.keep_alive(false);
        lowest.expires_after(config.write_timeout);
        std::tie(ec, transferred) = co_await bhttp::async_write(stream, out, nothrow);
        if (ec) {
            ++failed;
            co_return;
        }
        ++answered;
        lowest.expires_after(shutdown_timeout);
        co_await stream.async_shutdown(nothrow);
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(nothrow);
            if (ec) {
                if (!acceptor.is_open()) co_return;
                continue;  // EMFILE, a reset before accept: keep serving the others
            }
            if (active >= config.max_connections) {
                boost::system::error_code ignored;
                socket.close(ignored);
                ++failed;
                continue;
            }
            ++active;
            asio::co_spawn(io, session(std::move(socket)), [this](std::exception_ptr error) {
                --active;
                if (error) log::report_escaped("https_endpoint.session", error);
            });
        }
    }
};

HttpsEndpoint::HttpsEndpoint(HttpsEndpointConfig config, HttpHandler handler)
    : impl_(std::make_unique<Impl>()) {
    if (!config.tls) throw std::invalid_argument("HTTPS endpoint: no TLS context");
    if (!handler) throw std::invalid_argument("HTTPS endpoint: no handler");
    impl_->config = std::move(config);
    impl_->handler = std::move(handler);
}

HttpsEndpoint::~HttpsEndpoint() {
    stop();
}

void HttpsEndpoint::start() {
    auto& impl = *impl_;
    boost::system::error_code ec;
    auto address = asio::ip::make_address(impl.config.address, ec);
    if (ec)
        throw std::system_error(ec, impl.config.log_area + ": bad address " + impl.config.address);
    tcp::endpoint endpoint(address, impl.config.port);
    impl.acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) impl.acceptor.bind(endpoint, ec);
    if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::system_error(ec, impl.config.log_area + ": cannot listen on " +
                                        impl.config.address + ":" +
                                        std::to_string(impl.config.port));
    }
    impl.bound_port = impl.acceptor.local_endpoint().port();
    asio::co_spawn(impl.io, impl.accept_loop(), log::spawn_handler("https_endpoint.accept"));
    impl.started = true;
    impl.thread = std::thread([&impl] { impl.io.run(); });
}

void HttpsEndpoint::stop() {
    auto& impl = *impl_;
    if (!impl.started) return;
    impl.started = false;
    asio::post(impl.io, [&impl] {
        boost::system::error_code ignored;
        impl.acceptor.close(ignored);
        impl.io.stop();
    });
    impl.thread.join();
    impl.pool.shutdown();
}

std::uint16_t HttpsEndpoint::port() const {
    return impl_->bound_port;
}

std::uint64_t HttpsEndpoint::requests_answered() const {
    return impl_->answered.load();
}

std::uint64_t HttpsEndpoint::failed_connections() const {
    return impl_->failed.load();
}

}  // namespace relaylab::http
