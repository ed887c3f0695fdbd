// A small HTTPS server that serves fixed documents per host name, for tests and for people
// who simulate a world offline: the MTA-STS policy host of `relaylab fake-mx --mta-sts` (RFC 8461
// 3.3, https://mta-sts.<domain>/.well-known/mta-sts.txt). Each site has its own certificate,
// chosen by the client's SNI (the first site's when SNI names none), and its documents are
// looked up by the Host field and path. One request per connection (Connection: close), each
// connection bounded by deadlines on handshake, request and response, a cap on concurrent
// connections; a broken client only ends its own connection.
//
// Boost.Beast with C++20 coroutines on its own io thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

namespace relaylab::http {

struct FixtureDocument {
    unsigned status = 200;
    std::string content_type = "text/plain";
    std::string body;
    std::string location;  // a Location field (for hosts that redirect)
};

struct FixtureSite {
    std::string host;  // "mta-sts.example.test": SNI and Host, compared without case
    std::shared_ptr<boost::asio::ssl::context> tls;
    std::map<std::string, FixtureDocument> documents;  // by path: "/.well-known/mta-sts.txt"
};

struct HttpsFixtureHostConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: ephemeral; see port()
    std::vector<FixtureSite> sites;
    std::size_t max_connections = 64;  // beyond: the newcomer is closed at once
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
    std::size_t max_request_header_bytes = 8 * 1024;
};

class HttpsFixtureHost {
  public:
    // Throws std::invalid_argument when there is no site, a site has no context or a host
    // is given twice.
    explicit HttpsFixtureHost(HttpsFixtureHostConfig config);
    ~HttpsFixtureHost();  // stop()
    HttpsFixtureHost(const HttpsFixtureHost&) = delete;
    HttpsFixtureHost& operator=(const HttpsFixtureHost&) = delete;

    // Binds and starts the io thread; throws std::system_error naming the address when it
    // cannot bind.
    void start();
    void stop();  // idempotent

    std::uint16_t port() const;
    std::uint64_t requests_served() const;     // answered (any status)
    std::uint64_t failed_connections() const;  // handshake, read or write failed or timed out

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::http
