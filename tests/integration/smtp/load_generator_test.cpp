// The load generator against the in-process server: counts, connection reuse, failures.
#include <catch2/catch.hpp>

#include "harness/load/load_generator.hpp"
#include "harness/net/smtp_server.hpp"

using namespace relaylab;
using namespace std::chrono_literals;

namespace {

load::LoadConfig load_to(std::uint16_t port, std::uint64_t count, std::size_t concurrency) {
    load::LoadConfig config;
    config.server = {boost::asio::ip::address_v4::loopback(), port};
    config.count = count;
    config.concurrency = concurrency;
    config.connection.timeouts.every_phase = 5s;
    return config;
}

net::SmtpServerConfig sink() {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.keep_content = false;
    return config;
}

}  // namespace

TEST_CASE("closed loop: every message sent once, connections reused", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto result = load::run_load(load_to(server.port(), 300, 4));
    server.stop();
    CHECK(result.sent == 300);
    CHECK(result.failed.empty());
    CHECK(result.connections == 4);
    CHECK(server.stats().messages.load() == 300);
    CHECK(server.stats().connections.load() == 4);
    CHECK(result.latency.count == 300);
}

TEST_CASE("--messages-per-connection opens a new connection after N", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto config = load_to(server.port(), 30, 2);
    config.messages_per_connection = GENERATE(1u, 7u);
    auto result = load::run_load(config);
    server.stop();
    CHECK(result.sent == 30);
    std::uint64_t expected_connections =
        (30 + config.messages_per_connection - 1) / config.messages_per_connection;
    // Two slots share the messages, so each may end with a short connection.
    CHECK(server.stats().connections.load() >= expected_connections);
    CHECK(server.stats().connections.load() <= expected_connections + 1);
}

TEST_CASE("open loop paces arrivals at the requested rate", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto config = load_to(server.port(), 50, 3);
    config.rate = 200.0;  // 50 messages at 200/s: about 0.25 s
    auto result = load::run_load(config);
    server.stop();
    CHECK(result.sent == 50);
    CHECK(result.duration_s >= 0.2);
    CHECK(result.duration_s < 5.0);
}

TEST_CASE("refusals are counted by reply code", "[integration][load]") {
    auto config = sink();
    config.session.max_message_size = 500;  // every 1 KB message is refused at MAIL
    net::SmtpServer server(config);
    server.start();
    auto result = load::run_load(load_to(server.port(), 10, 2));
    server.stop();
    CHECK(result.sent == 0);
    CHECK(result.failed["552"] == 10);
}

TEST_CASE("nothing listening: connect failures end the run", "[integration][load]") {
    std::uint16_t port;
    {
        net::SmtpServer server(sink());
        server.start();
        port = server.port();
        server.stop();
    }
    auto result = load::run_load(load_to(port, 5, 2));
    CHECK(result.sent == 0);
    CHECK(result.failed["connect"] == 5);
    CHECK(result.connect_failures >= 5);
}
