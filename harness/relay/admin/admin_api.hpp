// The relay's admin HTTP API (`--admin ADDR:PORT`): AdminRouter (admin_router.hpp, the routes)
// served by the project's HTTP server (harness/http) on its own io thread. It has no
// authentication, so it binds to loopback unless allow_remote says otherwise: queue contents
// and a delete button are not for the network.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "harness/http/http_server.hpp"
#include "harness/relay/admin/admin_backend.hpp"

namespace relaylab::relay {

struct AdminApiConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;     // 0: ephemeral; see AdminApi::port()
    bool allow_remote = false;  // bind a non-loopback address (no authentication!)
    // An operator's tool, not a public service: few connections, small requests (no route
    // takes a body). No per-client share by default: on loopback every client is one address,
    // so a share would only halve the budget; set one with allow_remote.
    http::HttpLimits limits{
        .max_connections = 16, .max_connections_per_client = 0, .max_body_bytes = 1024};
};

enum class AdminAddressError {
    none,
    not_an_ip_address,  // the address is not an IPv4 or IPv6 literal (names are not resolved)
    not_loopback,       // outside 127.0.0.0/8 and ::1, and allow_remote is false
};
std::string_view describe(AdminAddressError error);

// Whether `config.address` may be bound.
AdminAddressError check_admin_address(const AdminApiConfig& config);

// Thrown by AdminApi's constructor when check_admin_address fails.
class AdminAddressRefused : public std::invalid_argument {
  public:
    AdminAddressRefused(AdminAddressError error, const std::string& address);
    AdminAddressError error() const { return error_; }

  private:
    AdminAddressError error_;
};

class AdminApi {
  public:
    // Throws AdminAddressRefused (the address is checked here, before anything binds).
    // `backend` must outlive the API (stop() is the last call into it).
    AdminApi(AdminApiConfig config, AdminBackend& backend);
    ~AdminApi();  // stop()
    AdminApi(const AdminApi&) = delete;
    AdminApi& operator=(const AdminApi&) = delete;

    // Binds and starts the io thread; throws std::system_error naming the address when it
    // cannot bind. Call once.
    void start();
    // Stops accepting, closes every connection and joins the thread. Idempotent.
    void stop();

    std::uint16_t port() const;
    std::string endpoint() const;  // "127.0.0.1:40123"
    const http::HttpServer& server() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::relay
