// The server shell's limits seen from raw sockets: pipelining, connection limit, slowloris,
// graceful shutdown.
#include <catch2/catch.hpp>
#include <thread>

#include "harness/net/smtp_server.hpp"
#include "test_support.hpp"

using namespace relaylab;
using namespace std::chrono_literals;

namespace {

net::SmtpServerConfig sink_config() {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.hostname = "mx.server.test";
    config.session.keep_content = false;
    return config;
}

}  // namespace

TEST_CASE("a pipelined group gets all its replies in order", "[integration]") {
    net::SmtpServer server(sink_config());
    server.start();
    auto client = test::RawSocket::connect(server.port());
    CHECK_THAT(client.read_until("\r\n"), Catch::StartsWith("220 mx.server.test"));
    client.send(
        "EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@server.test>\r\n"
        "RCPT TO:<c@server.test>\r\nDATA\r\n");
    std::string replies = client.read_until("354 ");
    CHECK_THAT(replies, Catch::Contains("250 CHUNKING"));
    CHECK_THAT(replies, Catch::Contains("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 "));
    client.send("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    std::string end = client.read_until("221 ");
    CHECK_THAT(end, Catch::Contains("250 2.0.0 Ok: queued as"));
    CHECK(client.closed_by_peer());
    server.stop();
    CHECK(server.stats().messages.load() == 1);
}

TEST_CASE("connections beyond the limit get 421", "[integration]") {
    auto config = sink_config();
    config.max_connections = 2;
    config.client_limits.max_connections = 0;  // all from 127.0.0.1; default would be 1
    net::SmtpServer server(config);
    server.start();
    auto first = test::RawSocket::connect(server.port());
    auto second = test::RawSocket::connect(server.port());
    CHECK_THAT(first.read_until("\r\n"), Catch::StartsWith("220 "));
    CHECK_THAT(second.read_until("\r\n"), Catch::StartsWith("220 "));
    auto third = test::RawSocket::connect(server.port());
    CHECK_THAT(third.read_until("\r\n"), Catch::StartsWith("421 4.7.0"));
    CHECK(third.closed_by_peer());
    server.stop();
    CHECK(server.stats().refused_connections.load() == 1);
}

TEST_CASE("by default one client holds at most half the connections", "[integration]") {
    auto config = sink_config();
    config.max_connections = 4;
    net::SmtpServer server(config);
    server.start();
    auto first = test::RawSocket::connect(server.port());
    auto second = test::RawSocket::connect(server.port());
    CHECK_THAT(first.read_until("\r\n"), Catch::StartsWith("220 "));
    CHECK_THAT(second.read_until("\r\n"), Catch::StartsWith("220 "));
    auto third = test::RawSocket::connect(server.port());
    CHECK_THAT(third.read_until("\r\n"),
               Catch::StartsWith("421 4.7.0") && Catch::Contains("too many connections from"));
    CHECK(third.closed_by_peer());
    server.stop();
    CHECK(server.stats().refused_client_connections.load() == 1);
}

TEST_CASE("a slowloris client is cut off by the command timeout", "[integration]") {
    auto config = sink_config();
    config.timeouts.command = 1s;
    net::SmtpServer server(config);
    server.start();
    auto client = test::RawSocket::connect(server.port());
    client.read_until("\r\n");
    auto started = std::chrono::steady_clock::now();
    std::string reply;
    // One byte every 250 ms: each read is quick, the command never completes.
    for (char c : std::string("EHLO slow.client.test")) {
        client.send(std::string(1, c));
        reply += client.read_until("\r\n", 250ms);
        if (!reply.empty()) break;
    }
    if (reply.empty()) reply = client.read_until("\r\n", 3s);
    CHECK_THAT(reply, Catch::StartsWith("421 4.4.2"));
    CHECK(client.closed_by_peer());
    CHECK(std::chrono::steady_clock::now() - started < 4s);
    server.stop();
    CHECK(server.stats().timeouts.load() == 1);
}

TEST_CASE("stopping the server says 421 4.3.2 to connected clients", "[integration]") {
    net::SmtpServer server(sink_config());
    server.start();
    auto client = test::RawSocket::connect(server.port());
    client.read_until("\r\n");
    client.send("EHLO client.test\r\n");
    client.read_until("250 CHUNKING\r\n");
    server.stop();
    CHECK_THAT(client.read_until("\r\n"), Catch::StartsWith("421 4.3.2"));
    CHECK(client.closed_by_peer());
}

TEST_CASE("the server survives clients that vanish mid-transaction", "[integration]") {
    net::SmtpServer server(sink_config());
    server.start();
    for (int i = 0; i < 20; ++i) {
        auto client = test::RawSocket::connect(server.port());
        client.send("EHLO x\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nhalf a mess");
    }
    auto client = test::RawSocket::connect(server.port());
    client.read_until("\r\n");
    client.send("NOOP\r\n");
    CHECK_THAT(client.read_until("\r\n"), Catch::StartsWith("250 2.0.0"));
    server.stop();
    CHECK(server.stats().messages.load() == 0);
}
