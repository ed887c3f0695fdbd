// What curl hides, with a raw socket: several requests on one keep-alive connection, oversized
// requests answered before the close, a backend that throws, and the connection bound.
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "admin_world.hpp"

using namespace relaylab::relay;
using testing::AdminWorld;
using testing::RawClient;

namespace {

const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n";

}  // namespace

TEST_CASE("keep-alive: several requests are answered on one connection, pipelined too") {
    AdminWorld world;
    RawClient client(world.api->port());
    REQUIRE(client.connected());
    for (int i = 0; i < 5; ++i) {
        INFO("request " << i);
        REQUIRE(client.send(healthz));
        std::string response = client.read_response();
        CHECK_THAT(response, Catch::StartsWith("HTTP/1.1 200"));
        CHECK_THAT(response, Catch::EndsWith("\r\n\r\nok"));
        CHECK_THAT(response, !Catch::Contains("Connection: close"));
    }
    // Three requests in one write: three answers in order, same connection.
    REQUIRE(
        client.send("GET /queue/00000000000000A1 HTTP/1.1\r\nHost: a\r\n\r\n"
                    "GET /queue/00000000000000FF HTTP/1.1\r\nHost: a\r\n\r\n" +
                    healthz));
    CHECK_THAT(client.read_response(), Catch::StartsWith("HTTP/1.1 200"));
    CHECK_THAT(client.read_response(), Catch::StartsWith("HTTP/1.1 404"));
    CHECK_THAT(client.read_response(), Catch::StartsWith("HTTP/1.1 200"));
    CHECK(world.api->server().evicted_connections() == 0);
    CHECK(world.api->server().refused_connections() == 0);

    // "Connection: close" is honoured: the answer, then the server closes.
    REQUIRE(client.send("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
    CHECK_THAT(client.read_response(), Catch::Contains("Connection: close"));
    CHECK(client.closed_by_server());
}

TEST_CASE("an oversized request head is answered 431, then closed") {
    AdminWorld world;
    RawClient client(world.api->port());
    REQUIRE(client.connected());
    std::string big(AdminApiConfig{}.limits.max_header_bytes, 'x');
    REQUIRE(client.send("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n"));
    std::string response = client.read_response();
    CHECK_THAT(response, Catch::StartsWith("HTTP/1.1 431"));
    CHECK_THAT(response, Catch::Contains("\"error\""));
    CHECK(client.closed_by_server());
    CHECK(world.backend.calls() == 0);
}

TEST_CASE("a malformed request is answered 400 and never reaches the backend") {
    AdminWorld world;
    for (std::string bad : {std::string("GET /queue HTTP/9.9\r\n\r\n"),
                            std::string("G@T /queue HTTP/1.1\r\nHost: a\r\n\r\n"),
                            std::string("GET /queue HTTP/1.1\r\nHost a\r\n\r\n")}) {
        INFO(bad);
        RawClient client(world.api->port());
        REQUIRE(client.connected());
        REQUIRE(client.send(bad));
        CHECK_THAT(client.read_response(), Catch::StartsWith("HTTP/1.1 400"));
    }
    CHECK(world.backend.calls() == 0);
}

TEST_CASE("a backend that throws gets its client a 500; the server goes on") {
    AdminWorld world;
    RawClient client(world.api->port());
    REQUIRE(client.connected());
    world.backend.fail_next_call();
    REQUIRE(client.send("GET /queue HTTP/1.1\r\nHost: a\r\n\r\n"));
    std::string failed = client.read_response();
    CHECK_THAT(failed, Catch::StartsWith("HTTP/1.1 500"));
    CHECK_THAT(failed, Catch::Contains("internal error"));
    CHECK(world.api->server().handler_failures() == 1);
    // Same connection, next request: served.
    REQUIRE(client.send("GET /queue HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK_THAT(client.read_response(), Catch::StartsWith("HTTP/1.1 200"));
}

TEST_CASE("beyond max_connections, the longest-idle keep-alive makes room for a newcomer") {
    AdminApiConfig config;
    config.limits.max_connections = 2;
    config.limits.max_connections_per_client = 0;
    AdminWorld world(config);
    RawClient first(world.api->port());
    RawClient second(world.api->port());
    REQUIRE(first.send(healthz));
    CHECK_THAT(first.read_response(), Catch::StartsWith("HTTP/1.1 200"));
    REQUIRE(second.send(healthz));
    CHECK_THAT(second.read_response(), Catch::StartsWith("HTTP/1.1 200"));
    // Both idle keep-alives: a third client is served and the oldest one is closed.
    RawClient third(world.api->port());
    REQUIRE(third.send(healthz));
    CHECK_THAT(third.read_response(), Catch::StartsWith("HTTP/1.1 200"));
    CHECK(world.api->server().evicted_connections() == 1);
    CHECK(first.closed_by_server());
}

TEST_CASE("loopback clients may use the whole connection budget (no per-client share)") {
    AdminWorld world;
    const std::size_t budget = AdminApiConfig{}.limits.max_connections;
    std::vector<std::unique_ptr<RawClient>> clients;
    for (std::size_t i = 0; i < budget; ++i) {
        INFO("client " << i);
        clients.push_back(std::make_unique<RawClient>(world.api->port()));
        REQUIRE(clients.back()->send(healthz));
        CHECK_THAT(clients.back()->read_response(), Catch::StartsWith("HTTP/1.1 200"));
    }
    // All held open: nobody was evicted or refused to make room.
    CHECK(world.api->server().evicted_connections() == 0);
    CHECK(world.api->server().refused_connections() == 0);
    for (auto& client : clients) {
        REQUIRE(client->send(healthz));
        CHECK_THAT(client->read_response(), Catch::StartsWith("HTTP/1.1 200"));
    }
}
