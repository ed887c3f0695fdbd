// A TCP connection that can turn into TLS half-way (STARTTLS, RFC 3207) or start as TLS,
// with one deadline for whatever the connection is waiting on.
//
// The deadline is a watchdog rather than a timer per operation: moving it is a store of a time
// point, and one timer per connection wakes up to check it. At tens of thousands of SMTP
// commands a second, arming and cancelling a timer per read would cost more than the read.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

namespace relaylab::net {

using Clock = std::chrono::steady_clock;

struct TlsInfo {
    bool active = false;
    std::string version;  // "TLSv1.3"
    std::string cipher;
    std::string sni;  // the name the client asked for (server side) or sent (client side)
};

class SmtpStream {
  public:
    explicit SmtpStream(boost::asio::ip::tcp::socket socket);
    explicit SmtpStream(const boost::asio::any_io_executor& executor);  // not yet connected
    ~SmtpStream();
    SmtpStream(const SmtpStream&) = delete;
    SmtpStream& operator=(const SmtpStream&) = delete;

    // Arms the watchdog; when it passes, pending operations are cancelled and timed_out() is
    // true until the next expires_after().
    void expires_after(Clock::duration timeout);
    void expires_never();
    bool timed_out() const { return state_->timed_out; }

    // Connects the unconnected stream, bounded by the deadline.
    boost::asio::awaitable<void> connect(const boost::asio::ip::tcp::endpoint& endpoint,
                                         boost::system::error_code& ec);
    // Reads what is available (at least one byte); returns 0 with `ec` set on failure.
    boost::asio::awaitable<std::size_t> read_some(char* data, std::size_t size,
                                                  boost::system::error_code& ec);
    boost::asio::awaitable<void> write_all(std::string_view data, boost::system::error_code& ec);

    // Client: sni is sent as server name, and checked against the certificate when the
    // context verifies peers. Server: sni is ignored.
    boost::asio::awaitable<void> handshake(boost::asio::ssl::context& context,
                                           boost::asio::ssl::stream_base::handshake_type type,
                                           const std::string& sni, boost::system::error_code& ec);
    // TLS close_notify (bounded by the deadline), then the socket.
    boost::asio::awaitable<void> shutdown();
    void close();

    const TlsInfo& tls() const { return tls_; }
    SSL* native_tls() const;  // the OpenSSL handle after handshake(), else nullptr
    boost::asio::ip::tcp::socket& socket();
    boost::asio::ip::tcp::endpoint remote_endpoint() const { return remote_; }

  private:
    struct Watchdog {
        Clock::time_point deadline = Clock::time_point::max();
        Clock::time_point armed_at = Clock::time_point::max();
        bool timed_out = false;
        bool stopped = false;
        bool running = false;
    };
    void start_watchdog();

    boost::asio::ip::tcp::socket socket_;
    std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_stream_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<Watchdog> state_;
    boost::asio::ip::tcp::endpoint remote_;
    TlsInfo tls_;
};

}  // namespace relaylab::net
