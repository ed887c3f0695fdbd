#include "fake-mx/api/api_server.hpp"

#include "harness/http/http_server.hpp"

namespace relaylab::fakemx::api {
namespace {

http::HttpServerConfig server_config(const ApiConfig& c) {
    return {.address = c.address,
            .port = c.port,
            .limits = {.max_connections = c.max_connections,
                       .max_connections_per_client = c.max_connections_per_client,
                       .read_timeout = c.read_timeout,
                       .keep_alive_timeout = c.keep_alive_timeout,
                       .write_timeout = c.write_timeout,
                       .max_header_bytes = c.max_header_bytes,
                       .max_body_bytes = c.max_body_bytes},
            .server_name = "relaylab-fakemx",
            .log_area = "api"};
}

}  // namespace

struct ApiServer::Impl {
    Impl(const ApiConfig& config, capture::CaptureStore& store, StatsSource stats)
        : router(store, std::move(stats)),
          server(server_config(config), [this](const http::HttpRequest& request) {
              return router.handle(request.method, request.target);
          }) {}

    ApiRouter router;  // before the server: the server's thread calls it until stop()
    http::HttpServer server;
};

ApiServer::ApiServer(ApiConfig config, capture::CaptureStore& store, StatsSource stats)
    : impl_(std::make_unique<Impl>(config, store, std::move(stats))) {}

ApiServer::~ApiServer() {
    stop();
}

void ApiServer::start() {
    impl_->server.start();
}

void ApiServer::stop() {
    impl_->server.stop();
}

std::uint16_t ApiServer::port() const {
    return impl_->server.port();
}

std::string ApiServer::endpoint() const {
    return impl_->server.endpoint();
}

std::uint64_t ApiServer::refused_connections() const {
    return impl_->server.refused_connections();
}

std::uint64_t ApiServer::evicted_connections() const {
    return impl_->server.evicted_connections();
}

}  // namespace relaylab::fakemx::api
