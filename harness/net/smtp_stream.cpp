#include "harness/net/smtp_stream.hpp"

#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "harness/net/tls.hpp"

namespace relaylab::net {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

SmtpStream::SmtpStream(tcp::socket socket)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      state_(std::make_shared<Watchdog>()) {
    boost::system::error_code ec;
    remote_ = socket_.remote_endpoint(ec);
    socket_.set_option(tcp::no_delay(true), ec);
}

SmtpStream::SmtpStream(const asio::any_io_executor& executor)
    : socket_(executor), timer_(executor), state_(std::make_shared<Watchdog>()) {}

asio::awaitable<void> SmtpStream::connect(const tcp::endpoint& endpoint,
                                          boost::system::error_code& ec) {
    auto [error] = co_await socket_.async_connect(endpoint, nothrow);
    ec = error;
    if (ec && state_->timed_out) ec = asio::error::timed_out;
    if (ec) co_return;
    remote_ = endpoint;
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
}

SmtpStream::~SmtpStream() {
    state_->stopped = true;
    timer_.cancel();
}

tcp::socket& SmtpStream::socket() {
    return tls_stream_ ? tls_stream_->next_layer() : socket_;
}

void SmtpStream::expires_after(Clock::duration timeout) {
    state_->timed_out = false;
    state_->deadline = Clock::now() + timeout;
    if (!state_->running) {
        start_watchdog();
    } else if (state_->deadline < state_->armed_at) {
        timer_.cancel();  // the handler re-arms at the earlier deadline
    }
}

void SmtpStream::expires_never() {
    state_->deadline = Clock::time_point::max();
}

void SmtpStream::start_watchdog() {
    state_->running = true;
    // The watchdog sleeps until the deadline; if the deadline moved meanwhile it sleeps again.
    // It holds the shared state, not the stream, so it may outlive a stream that is gone.
    auto state = state_;
    state->armed_at = state->deadline;
    timer_.expires_at(state->deadline);
    timer_.async_wait([this, state](boost::system::error_code ec) {
        if (state->stopped) {
            state->running = false;
            return;
        }
        if (ec) {  // cancelled to move the deadline earlier
            start_watchdog();
            return;
        }
        if (Clock::now() >= state->deadline) {
            // Cancel, not close: the owner still gets to say 421 before it closes.
            state->timed_out = true;
            state->running = false;
            boost::system::error_code ignored;
            socket().cancel(ignored);
            return;
        }
        start_watchdog();
    });
}

asio::awaitable<std::size_t> SmtpStream::read_some(char* data, std::size_t size,
                                                   boost::system::error_code& ec) {
    // if/else rather than ?: around co_await (g++ 12 mishandles temporaries there).
    std::size_t n = 0;
    if (tls_stream_) {
        std::tie(ec, n) = co_await tls_stream_->async_read_some(asio::buffer(data, size), nothrow);
    } else {
        std::tie(ec, n) = co_await socket_.async_read_some(asio::buffer(data, size), nothrow);
    }
    co_return n;
}

asio::awaitable<void> SmtpStream::write_all(std::string_view data, boost::system::error_code& ec) {
    std::size_t n = 0;
    if (tls_stream_) {
        std::tie(ec, n) = co_await asio::async_write(*tls_stream_, asio::buffer(data), nothrow);
    } else {
        std::tie(ec, n) = co_await asio::async_write(socket_, asio::buffer(data), nothrow);
    }
}

asio::awaitable<void> SmtpStream::handshake(asio::ssl::context& context,
                                            asio::ssl::stream_base::handshake_type type,
                                            const std::string& sni, boost::system::error_code& ec) {
    tls_stream_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket_), context);
    SSL* ssl = tls_stream_->native_handle();
    if (type == asio::ssl::stream_base::client && !sni.empty()) {
        boost::system::error_code not_ip;
        auto address = asio::ip::make_address(sni, not_ip);
        // RFC 6066 3: no IP literals in SNI; the address is still checked against IP SANs.
        if (not_ip) SSL_set_tlsext_host_name(ssl, sni.c_str());
        if (SSL_CTX_get_verify_mode(context.native_handle()) != SSL_VERIFY_NONE) {
            // OpenSSL's own check (not a verify callback): a mismatch then shows up in
            // SSL_get_verify_result as X509_V_ERR_HOSTNAME_MISMATCH, so it can be named.
            X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
            if (not_ip) {
                X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                SSL_set1_host(ssl, sni.c_str());
            } else {
                X509_VERIFY_PARAM_set1_ip_asc(param, address.to_string().c_str());
            }
        }
    }
    auto [error] = co_await tls_stream_->async_handshake(type, nothrow);
    ec = error;
    if (ec) {
        if (state_->timed_out) {
            ec = asio::error::timed_out;
        } else {
            ec = classify_handshake_failure(ec, ssl);
        }
        co_return;
    }
    tls_.active = true;
    tls_.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl))
        tls_.cipher = SSL_CIPHER_get_name(cipher);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    tls_.sni = name != nullptr ? name : sni;
}

asio::awaitable<void> SmtpStream::shutdown() {
    if (tls_stream_ && socket().is_open()) {
        co_await tls_stream_->async_shutdown(nothrow);
    }
    close();
}

SSL* SmtpStream::native_tls() const {
    return tls_stream_ ? tls_stream_->native_handle() : nullptr;
}

void SmtpStream::close() {
    boost::system::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    state_->stopped = true;
    timer_.cancel();
}

}  // namespace relaylab::net
