#include "harness/http/https_fixture_host.hpp"

#include <openssl/ssl.h>

#include <algorithm>
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
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <stdexcept>
#include <system_error>
#include <thread>

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

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// "mta-sts.example.test:8443" -> "mta-sts.example.test"; "[::1]:443" -> "[::1]".
std::string host_without_port(std::string_view host) {
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos &&
        (host.front() == '[' || host.find(':') == colon)) {
        host = host.substr(0, colon);
    }
    return lower(std::string(host));
}

}  // namespace

struct HttpsFixtureHost::Impl {
    HttpsFixtureHostConfig config;
    std::map<std::string, const FixtureSite*> by_host;
    std::atomic<std::uint64_t> served{0};
    std::atomic<std::uint64_t> failed{0};
    std::size_t active = 0;  // touched on the io thread only
    std::uint16_t bound_port = 0;
    std::thread thread;
    bool started = false;
    // Last: destroyed first, with the coroutine frames that refer to the members above.
    asio::io_context io;
    tcp::acceptor acceptor{io};

    const FixtureSite* site_for(const std::string& host) const {
        auto it = by_host.find(lower(host));
        return it == by_host.end() ? nullptr : it->second;
    }

    // OpenSSL's SNI hook: the site's certificate for the name the client asked for.
    static int select_site(SSL* ssl, int* /*alert*/, void* arg) {
        auto* self = static_cast<Impl*>(arg);
        const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;
        const FixtureSite* site = self->site_for(name);
        if (site == nullptr) return SSL_TLSEXT_ERR_NOACK;  // the default site's certificate
        SSL_set_SSL_CTX(ssl, site->tls->native_handle());
        return SSL_TLSEXT_ERR_OK;
    }

    FixtureDocument answer_for(const bhttp::request<bhttp::empty_body>& request,
                               const std::string& sni) const {
        if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head) {
            return {405, "text/plain", "only GET\n", ""};
        }
        auto host_field = request[bhttp::field::host];
        const FixtureSite* site =
            host_field.empty() ? site_for(sni) : site_for(host_without_port(host_field));
        if (site == nullptr) return {404, "text/plain", "no such site\n", ""};
        std::string path(request.target());
        if (auto query = path.find('?'); query != std::string::npos) path.resize(query);
        auto it = site->documents.find(path);
        if (it == site->documents.end()) return {404, "text/plain", "not found\n", ""};
        return it->second;
    }

    asio::awaitable<void> session(tcp::socket socket) {
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *config.sites.front().tls);
        auto& lowest = beast::get_lowest_layer(stream);
        lowest.expires_after(config.handshake_timeout);
        auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
        if (ec) {
            ++failed;
            co_return;
        }
        const char* sni_name =
            SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
        std::string sni = sni_name != nullptr ? sni_name : "";

        beast::flat_buffer buffer(config.max_request_header_bytes);
        bhttp::request_parser<bhttp::empty_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(config.max_request_header_bytes));
        lowest.expires_after(config.request_timeout);
        std::size_t transferred = 0;
        std::tie(ec, transferred) = co_await bhttp::async_read(stream, buffer, parser, nothrow);
        FixtureDocument document;
        if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
            document = {431, "text/plain", "request header too large\n", ""};
        } else if (ec == bhttp::error::unexpected_body) {
            document = {400, "text/plain", "a GET has no body\n", ""};
        } else if (ec) {
            ++failed;
            co_return;
        } else {
            document = answer_for(parser.get(), sni);
        }
        bool head = !ec && parser.get().method() == bhttp::verb::head;

        bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(document.status),
                                                     11};
        response.set(bhttp::field::server, "relaylab-fixture");
        response.set(bhttp::field::content_type, document.content_type);
        if (!document.location.empty()) response.set(bhttp::field::location, document.location);
        response.set(bhttp::field::connection, "close");
        response.body() = std::move(document.body);
        response.prepare_payload();
        if (head) response.body().clear();
        response.keep_alive(false);
        lowest.expires_after(config.write_timeout);
        std::tie(ec, transferred) = co_await bhttp::async_write(stream, response, nothrow);
        if (ec) {
            ++failed;
            co_return;
        }
        ++served;
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
                if (error) log::report_escaped("https_fixture.session", error);
            });
        }
    }
};

HttpsFixtureHost::HttpsFixtureHost(HttpsFixtureHostConfig config)
    : impl_(std::make_unique<Impl>()) {
    if (config.sites.empty()) throw std::invalid_argument("HTTPS fixture host: no site to serve");
    impl_->config = std::move(config);
    for (const auto& site : impl_->config.sites) {
        if (!site.tls)
            throw std::invalid_argument("HTTPS fixture host: " + site.host + " has no TLS context");
        if (!impl_->by_host.emplace(lower(site.host), &site).second) {
            throw std::invalid_argument("HTTPS fixture host: " + site.host + " given twice");
        }
        SSL_CTX_set_tlsext_servername_callback(site.tls->native_handle(), &Impl::select_site);
        SSL_CTX_set_tlsext_servername_arg(site.tls->native_handle(), impl_.get());
    }
}

HttpsFixtureHost::~HttpsFixtureHost() {
    stop();
}

void HttpsFixtureHost::start() {
    auto& impl = *impl_;
    boost::system::error_code ec;
    auto address = asio::ip::make_address(impl.config.address, ec);
    if (ec) {
        throw std::system_error(ec, "HTTPS fixture host: bad address " + impl.config.address);
    }
    tcp::endpoint endpoint(address, impl.config.port);
    impl.acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) impl.acceptor.bind(endpoint, ec);
    if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::system_error(ec, "HTTPS fixture host: cannot listen on " + impl.config.address +
                                        ":" + std::to_string(impl.config.port));
    }
    impl.bound_port = impl.acceptor.local_endpoint().port();
    asio::co_spawn(impl.io, impl.accept_loop(), log::spawn_handler("https_fixture.accept"));
    impl.started = true;
    impl.thread = std::thread([&impl] { impl.io.run(); });
}

void HttpsFixtureHost::stop() {
    auto& impl = *impl_;
    if (!impl.started) return;
    impl.started = false;
    asio::post(impl.io, [&impl] {
        boost::system::error_code ignored;
        impl.acceptor.close(ignored);
        impl.io.stop();
    });
    impl.thread.join();
}

std::uint16_t HttpsFixtureHost::port() const {
    return impl_->bound_port;
}

std::uint64_t HttpsFixtureHost::requests_served() const {
    return impl_->served.load();
}

std::uint64_t HttpsFixtureHost::failed_connections() const {
    return impl_->failed.load();
}

}  // namespace relaylab::http
