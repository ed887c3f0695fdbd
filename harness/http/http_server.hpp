// A small HTTP/1.1 server for the project's APIs (the fake MX's capture API, the relay's admin
// API): Boost.Beast with C++20 coroutines on one io_context on its own thread; keep-alive; a
// deadline on every read and write; header and body size limits (431, 413); a bound on
// concurrent connections, per client too. When full, the connection that has waited longest
// for a request is closed to make room (keep-alives that finished a request first); when none
// is idle, the newcomer gets 503 at once. What a request means is the handler's business
// (http_message.hpp); this file only moves bytes and keeps the limits. A handler may answer
// with a streamed body (response_stream.hpp, for server-sent events): that connection then
// serves nothing else, counts against the connection bound and is never closed as idle, and
// each piece of its body must be written within write_timeout or the connection is dropped.
//
// No authentication and no TLS: bind it to loopback unless its owner decides otherwise.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "harness/http/http_message.hpp"

namespace relaylab::http {

struct HttpLimits {
    std::size_t max_connections = 64;  // beyond: an idle one is closed, or 503
    // Default: half of max_connections; 0: none. Beyond: that client's idle one, or 503.
    std::size_t max_connections_per_client = static_cast<std::size_t>(-1);
    // Reading the first request of a connection.
    std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
    // Waiting for (and reading) each later request on a keep-alive connection (Apache's 5 s).
    std::chrono::milliseconds keep_alive_timeout{std::chrono::seconds(5)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
    std::size_t max_header_bytes = 16 * 1024;  // request line and fields; beyond: 431
    std::size_t max_body_bytes = 64 * 1024;    // beyond: 413
};

struct HttpServerConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: ephemeral; see HttpServer::port()
    HttpLimits limits;
    std::string server_name = "relaylab";  // the Server field of every answer
    std::string log_area = "http";         // log events are "<log_area>.accept_failed", ...
};

class HttpServer {
  public:
    HttpServer(HttpServerConfig config, HttpHandler handler);
    ~HttpServer();  // stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts the io thread; throws std::system_error naming the address when it
    // cannot bind. Call once.
    void start();
    // Stops accepting, closes every connection and joins the thread. Idempotent.
    void stop();

    std::uint16_t port() const;
    std::string endpoint() const;               // "127.0.0.1:40123" ("[::1]:40123" for IPv6)
    std::uint64_t refused_connections() const;  // answered 503 (or closed when many wait)
    std::uint64_t evicted_connections() const;  // idle ones closed to make room
    std::uint64_t handler_failures() const;     // requests answered 500 (the handler threw)

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::http
