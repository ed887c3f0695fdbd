// The capture API over HTTP/1.1: the project's HTTP server (harness/http/http_server.hpp: one
// io thread, keep-alive, a deadline on every read and write, request size limits, a bound on
// concurrent connections, per client too, idle eviction, 503 when full) serving ApiRouter.
// Loopback by default: the API has no authentication.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fake-mx/api/api_router.hpp"
#include "fake-mx/capture/capture_store.hpp"

namespace relaylab::fakemx::api {

struct ApiConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;            // 0: ephemeral; see ApiServer::port()
    std::size_t max_connections = 64;  // beyond: an idle one is closed, or 503
    // Default: half of max_connections; 0: none. Beyond: that client's idle one, or 503.
    std::size_t max_connections_per_client = static_cast<std::size_t>(-1);
    // Reading the first request of a connection.
    std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
    // Waiting for (and reading) each later request on a keep-alive connection (Apache's 5 s).
    std::chrono::milliseconds keep_alive_timeout{std::chrono::seconds(5)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
    std::size_t max_header_bytes = 16 * 1024;  // request line and fields; beyond: 431
    std::size_t max_body_bytes = 64 * 1024;    // no endpoint takes a body; beyond: 413
};

class ApiServer {
  public:
    ApiServer(ApiConfig config, capture::CaptureStore& store, StatsSource stats = {});
    ~ApiServer();  // stop()
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Binds and starts the io thread; throws std::system_error naming the address when it
    // cannot bind. Call once.
    void start();
    // Stops accepting, closes every connection and joins the thread. Idempotent.
    void stop();

    std::uint16_t port() const;
    std::string endpoint() const;               // "127.0.0.1:40123"
    std::uint64_t refused_connections() const;  // answered 503 (or closed when many wait)
    std::uint64_t evicted_connections() const;  // idle ones closed to make room

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::fakemx::api
