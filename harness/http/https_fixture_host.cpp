#include "harness/http/https_fixture_host.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

#include "harness/http/https_endpoint.hpp"

namespace relaylab::http {

namespace {

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

HttpResponse from_document(const FixtureDocument& document) {
    HttpResponse response;
    response.status = document.status;
    response.content_type = document.content_type;
    response.body = document.body;
    response.location = document.location;
    return response;
}

}  // namespace

// The sites and their documents; the connections, deadlines and limits are the endpoint's.
struct HttpsFixtureHost::Impl {
    HttpsFixtureHostConfig config;
    std::map<std::string, const FixtureSite*> by_host;
    std::optional<HttpsEndpoint> endpoint;

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

    // Runs on the endpoint's worker thread; the sites are not changed after construction.
    FixtureDocument answer_for(const HttpRequest& request) const {
        if (request.method != "GET" && request.method != "HEAD")
            return {405, "text/plain", "only GET\n", ""};
        if (!request.body.empty()) return {400, "text/plain", "a GET has no body\n", ""};
        const FixtureSite* site = request.host.empty() ? site_for(request.server_name)
                                                       : site_for(host_without_port(request.host));
        if (site == nullptr) return {404, "text/plain", "no such site\n", ""};
        std::string path = request.target;
        if (auto query = path.find('?'); query != std::string::npos) path.resize(query);
        auto it = site->documents.find(path);
        if (it == site->documents.end()) return {404, "text/plain", "not found\n", ""};
        return it->second;
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
    const HttpsFixtureHostConfig& c = impl_->config;
    HttpsEndpointConfig endpoint;
    endpoint.address = c.address;
    endpoint.port = c.port;
    endpoint.tls = c.sites.front().tls;  // until SNI picks another site's
    endpoint.max_connections = c.max_connections;
    endpoint.handshake_timeout = c.handshake_timeout;
    endpoint.request_timeout = c.request_timeout;
    endpoint.write_timeout = c.write_timeout;
    endpoint.max_header_bytes = c.max_request_header_bytes;
    endpoint.max_body_bytes = 1024;  // a GET carries none; a small one is answered 400
    endpoint.server_name = "relaylab-fixture";
    endpoint.log_area = "https_fixture";
    Impl* impl = impl_.get();
    impl_->endpoint.emplace(std::move(endpoint), [impl](const HttpRequest& request) {
        return from_document(impl->answer_for(request));
    });
}

HttpsFixtureHost::~HttpsFixtureHost() {
    stop();
}

void HttpsFixtureHost::start() {
    try {
        impl_->endpoint->start();
    } catch (const std::system_error& error) {
        throw std::system_error(error.code(), std::string("HTTPS fixture host: ") + error.what());
    }
}

void HttpsFixtureHost::stop() {
    impl_->endpoint->stop();
}

std::uint16_t HttpsFixtureHost::port() const {
    return impl_->endpoint->port();
}

std::uint64_t HttpsFixtureHost::requests_served() const {
    return impl_->endpoint->requests_answered();
}

std::uint64_t HttpsFixtureHost::failed_connections() const {
    return impl_->endpoint->failed_connections();
}

}  // namespace relaylab::http
