// Connection-level limits with plain sockets: the concurrent connection bound, the read
// deadline, malformed requests. Every wait is bounded by SO_RCVTIMEO.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "api_world.hpp"
#include "curl_client.hpp"

using namespace relaylab::fakemx::api;
using testing::ApiWorld;
using testing::curl;

namespace {

class Client {
  public:
    explicit Client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        timeval timeout{.tv_sec = 3, .tv_usec = 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~Client() { ::close(fd_); }
    bool connected() const { return connected_; }
    void send(const std::string& data) {
        REQUIRE(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(data.size()));
    }
    std::string read_some() {
        char buffer[4096];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }
    // Reads until the server closes (or 3 s pass): what the server said before closing.
    std::string read_until_close(bool& closed) {
        std::string out;
        char buffer[4096];
        for (;;) {
            ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n == 0) {
                closed = true;
                return out;
            }
            if (n < 0) {
                closed = errno == ECONNRESET;
                return out;
            }
            out.append(buffer, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_;
    bool connected_ = false;
};

}  // namespace

TEST_CASE("when full, the longest-idle keep-alive is closed to make room for a newcomer") {
    ApiWorld world({.max_connections = 2, .max_connections_per_client = 0});
    Client first(world.server->port());
    Client second(world.server->port());
    REQUIRE(first.connected());
    REQUIRE(second.connected());
    // Both answered: the server holds both (keep-alive) when the third arrives.
    first.send("GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(first.read_some(), Catch::StartsWith("HTTP/1.1 200"));
    second.send("GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(second.read_some(), Catch::StartsWith("HTTP/1.1 200"));
    auto served = curl({world.url("/metrics")});
    CHECK(served.exit_code == 0);
    CHECK(served.status == 200);
    CHECK(world.server->evicted_connections() == 1);
    CHECK(world.server->refused_connections() == 0);
    bool closed = false;
    first.read_until_close(closed);  // idle longest: it made the room
    CHECK(closed);
    second.send("GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(second.read_some(), Catch::StartsWith("HTTP/1.1 200"));
}

TEST_CASE("a client over its share closes its own idle connection, not another's") {
    ApiWorld world({.max_connections = 4});  // 2 per client
    Client first(world.server->port());
    Client second(world.server->port());
    REQUIRE(first.connected());
    REQUIRE(second.connected());
    first.send("GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(first.read_some(), Catch::StartsWith("HTTP/1.1 200"));
    // Same address, over its share: its keep-alive that finished a request goes first.
    Client third(world.server->port());
    REQUIRE(third.connected());
    third.send("GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(third.read_some(), Catch::StartsWith("HTTP/1.1 200"));
    CHECK(world.server->evicted_connections() == 1);
}

TEST_CASE("a request that never ends does not hold the last slot") {
    ApiWorld world({.max_connections = 1, .max_connections_per_client = 0});
    Client busy(world.server->port());
    REQUIRE(busy.connected());
    // Slowloris: a header that never ends. The server cannot tell a slow request from none,
    // so the connection counts as waiting and makes room; only one being answered never does.
    busy.send("GET /api/v1/stats HTTP/1.1\r\n");
    auto served = curl({world.url("/metrics")});
    CHECK(served.status == 200);
    CHECK(world.server->evicted_connections() == 1);
}

TEST_CASE("an idle connection is closed after the read timeout") {
    ApiWorld world({.read_timeout = std::chrono::milliseconds(200)});
    Client idle(world.server->port());
    REQUIRE(idle.connected());
    auto start = std::chrono::steady_clock::now();
    bool closed = false;
    std::string said = idle.read_until_close(closed);
    CHECK(closed);
    CHECK(said.empty());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("a malformed request gets 400 and the connection is closed") {
    ApiWorld world;
    Client client(world.server->port());
    REQUIRE(client.connected());
    client.send("NOT HTTP AT ALL\r\n\r\n");
    bool closed = false;
    std::string said = client.read_until_close(closed);
    CHECK(closed);
    CHECK_THAT(said, Catch::StartsWith("HTTP/1.1 400"));
    CHECK_THAT(said, Catch::Contains("\"error\""));
}

TEST_CASE("stop closes open connections and the port") {
    ApiWorld world;
    Client client(world.server->port());
    REQUIRE(client.connected());
    const std::uint16_t port = world.server->port();
    world.server->stop();
    bool closed = false;
    client.read_until_close(closed);
    CHECK(closed);
    Client late(port);
    CHECK_FALSE(late.connected());
}
