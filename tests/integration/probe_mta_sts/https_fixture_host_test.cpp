// The HTTPS fixture host and the HTTPS client against each other: the site is chosen by SNI and
// Host, the client verifies the certificate's name, unknown paths are 404, a body over the
// client's limit is refused, and a client that connects and says nothing does not stop others.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "harness/http/https_client.hpp"
#include "harness/http/https_fixture_host.hpp"
#include "harness/net/tls.hpp"
#include "tests/lib/temp_dir.hpp"

using namespace relaylab;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

struct Host {
    testing::TempDir dir{"https-fixture"};
    net::TestCa ca = net::make_test_ca();
    std::string ca_file = dir.write("ca.pem", ca.pem.certificate).string();
    std::unique_ptr<http::HttpsFixtureHost> server;

    Host() {
        http::HttpsFixtureHostConfig config;
        config.request_timeout = 500ms;
        config.handshake_timeout = 500ms;
        for (const char* name : {"a.example.test", "b.example.test"}) {
            http::FixtureSite site;
            site.host = name;
            site.tls =
                net::make_server_context(net::issue_certificate(ca, name, net::valid_for_days(1)));
            site.documents["/doc"] = {200, "text/plain", std::string("I am ") + name + "\n", ""};
            site.documents["/big"] = {200, "text/plain", std::string(100'000, 'x'), ""};
            config.sites.push_back(std::move(site));
        }
        server = std::make_unique<http::HttpsFixtureHost>(std::move(config));
        server->start();
    }

    http::HttpsResult get(const std::string& host, const std::string& target) {
        asio::io_context io;
        auto tls = http::make_verifying_client_context(ca_file);
        http::HttpsRequest request;
        request.host = host;
        request.target = target;
        request.endpoints = {{asio::ip::make_address("127.0.0.1"), server->port()}};
        request.timeouts = {2s, 2s, 2s};
        std::optional<http::HttpsResult> result;
        asio::co_spawn(io, http::https_get(io.get_executor(), *tls, request),
                       [&](std::exception_ptr e, http::HttpsResult r) {
                           if (e) std::rethrow_exception(e);
                           result = std::move(r);
                       });
        io.run_for(20s);
        REQUIRE(result);
        return *result;
    }
};

}  // namespace

TEST_CASE("HTTPS fixture host: each site by SNI and Host", "[https][integration]") {
    Host host;
    for (const char* name : {"a.example.test", "b.example.test", "B.Example.Test"}) {
        auto result = host.get(name, "/doc");
        INFO(name << ": " << result.text());
        REQUIRE(result.ok());
        CHECK(result.response->status == 200);
        CHECK(result.response->status_line == "HTTP/1.1 200 OK");
        CHECK(result.response->content_type == "text/plain");
        CHECK(result.response->body ==
              "I am " + std::string(name[0] == 'B' ? "b.example.test" : name) + "\n");
    }
}

TEST_CASE("HTTPS client: unknown path, body limit, wrong name", "[https][integration]") {
    Host host;
    auto missing = host.get("a.example.test", "/nothing");
    REQUIRE(missing.ok());
    CHECK(missing.response->status == 404);

    auto big = host.get("a.example.test", "/big");
    CHECK(big.error == http::HttpsError::too_large);

    // Falls back to the first site's certificate, which does not name c.example.test.
    auto wrong = host.get("c.example.test", "/doc");
    CHECK(wrong.error == http::HttpsError::tls_failed);
    CHECK_THAT(wrong.text(), Catch::Contains("host name mismatch"));
}

TEST_CASE("HTTPS fixture host: a silent client does not block others", "[https][integration]") {
    Host host;
    asio::io_context io;
    asio::ip::tcp::socket silent(io);
    silent.connect({asio::ip::make_address("127.0.0.1"), host.server->port()});
    auto result = host.get("a.example.test", "/doc");
    CHECK(result.ok());
    // The silent one is dropped after the handshake timeout.
    char byte = 0;
    boost::system::error_code ec;
    silent.read_some(asio::buffer(&byte, 1), ec);
    CHECK(ec);
    // The host's thread counts the failure after it closed the socket: wait for the count.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (host.server->failed_connections() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(host.server->failed_connections() >= 1);
}
