// A small HTTPS server: Boost.Beast
// with C++20 coroutines on its own io thread, TLS from a given context, one request per
// connection (Connection: close), a deadline on the handshake, the request and the response, a
// cap on header and body sizes (431, 413) and on concurrent connections (beyond it the newcomer
// is closed at once). The relay's one-click unsubscribe URL and the fixture document host
// (https_fixture_host.hpp) both run on it.
//
// The handler runs on a worker thread, never on the io thread: it may fsync (an unsubscribe is
// durable before its 200), and a slow disk must not stall other clients' handshakes. What a
// request means is the handler's business (harness/http/http_message.hpp); an exception it
// throws is answered 500 and logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "harness/http/http_message.hpp"

namespace relaylab::http {

struct HttpsEndpointConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: ephemeral; see port()
    std::shared_ptr<boost::asio::ssl::context> tls;
    std::size_t max_connections = 64;
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};  // whole request
    std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
    std::size_t max_header_bytes = 8 * 1024;  // beyond: 431
    std::size_t max_body_bytes = 8 * 1024;    // beyond: 413
    std::string server_name = "relaylab";
    std::string log_area = "https_endpoint";  // log events "<log_area>.handler_failed", ...
};

class HttpsEndpoint {
  public:
    // Throws std::invalid_argument without a TLS context or handler.
    HttpsEndpoint(HttpsEndpointConfig config, HttpHandler handler);
    ~HttpsEndpoint();  // stop()
    HttpsEndpoint(const HttpsEndpoint&) = delete;
    HttpsEndpoint& operator=(const HttpsEndpoint&) = delete;

    // Binds and starts the io thread; throws std::system_error naming the address.
    void start();
    void stop();  // idempotent; waits for a handler that is running

    std::uint16_t port() const;
    std::uint64_t requests_answered() const;   // any status, written in full
    std::uint64_t failed_connections() const;  // handshake, read or write failed or timed out,
                                               // or refused beyond max_connections

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::http
