#include "harness/relay/admin/admin_api.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "harness/relay/admin/admin_router.hpp"

namespace relaylab::relay {
namespace {

// 127.0.0.0/8 (RFC 1122 3.2.1.3), ::1 (RFC 4291 2.5.3), and 127/8 written IPv4-mapped
// (::ffff:127.0.0.1), which a dual-stack socket treats as the IPv4 loopback.
bool is_loopback(const std::string& address, bool& parsed) {
    std::array<unsigned char, 16> bytes{};
    if (::inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
        parsed = true;
        return bytes[0] == 127;
    }
    if (::inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) {
        parsed = true;
        constexpr std::array<unsigned char, 16> v6_loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                            0, 0, 0, 0, 0, 0, 0, 1};
        constexpr std::array<unsigned char, 12> v4_mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (bytes == v6_loopback) return true;
        return std::memcmp(bytes.data(), v4_mapped.data(), v4_mapped.size()) == 0 &&
               bytes[12] == 127;
    }
    parsed = false;
    return false;
}

std::string refusal_text(AdminAddressError error, const std::string& address) {
    return "admin API address '" + address + "': " + std::string(describe(error));
}

}  // namespace

std::string_view describe(AdminAddressError error) {
    switch (error) {
        case AdminAddressError::none:
            return "ok";
        case AdminAddressError::not_an_ip_address:
            return "not an IPv4 or IPv6 address (host names are not resolved here)";
        case AdminAddressError::not_loopback:
            return "not a loopback address; the admin API has no authentication, so it listens "
                   "on 127.0.0.1 or ::1 unless allow_remote is set";
    }
    return "unknown error";
}

AdminAddressError check_admin_address(const AdminApiConfig& config) {
    bool parsed = false;
    bool loopback = is_loopback(config.address, parsed);
    if (!parsed) return AdminAddressError::not_an_ip_address;
    if (!loopback && !config.allow_remote) return AdminAddressError::not_loopback;
    return AdminAddressError::none;
}

AdminAddressRefused::AdminAddressRefused(AdminAddressError error, const std::string& address)
    : std::invalid_argument(refusal_text(error, address)), error_(error) {}

struct AdminApi::Impl {
    Impl(const AdminApiConfig& config, AdminBackend& backend)
        : router(backend),
          server({.address = config.address,
                  .port = config.port,
                  .limits = config.limits,
                  .server_name = "relaylab-relay",
                  .log_area = "admin"},
                 [this](const http::HttpRequest& request) { return router.handle(request); }) {}

    AdminRouter router;  // before the server: the server's thread calls it until stop()
    http::HttpServer server;
};

namespace {
const AdminApiConfig& checked(const AdminApiConfig& config) {
    if (auto error = check_admin_address(config); error != AdminAddressError::none)
        throw AdminAddressRefused(error, config.address);
    return config;
}
}  // namespace

AdminApi::AdminApi(AdminApiConfig config, AdminBackend& backend)
    : impl_(std::make_unique<Impl>(checked(config), backend)) {}

AdminApi::~AdminApi() {
    stop();
}

void AdminApi::start() {
    impl_->server.start();
}

void AdminApi::stop() {
    impl_->server.stop();
}

std::uint16_t AdminApi::port() const {
    return impl_->server.port();
}

std::string AdminApi::endpoint() const {
    return impl_->server.endpoint();
}

const http::HttpServer& AdminApi::server() const {
    return impl_->server;
}

}  // namespace relaylab::relay
