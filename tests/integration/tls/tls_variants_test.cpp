// Each certificate variant and TLS version limit a fake MX can present, against relaylab's own
// client: what verifies, what fails, and the reason the client gives.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>

#include "harness/net/smtp_server.hpp"
#include "harness/net/tls.hpp"
#include "test_support.hpp"

using namespace relaylab;
using namespace std::chrono_literals;

namespace {

constexpr const char* mx_name = "mx.tls.test";

// One CA on disk for the whole binary (key generation is the slow part), removed at exit.
struct SharedCa {
    std::filesystem::path dir;
    net::TestCa ca;
    SharedCa() {
        char tmpl[] = "/tmp/relaylab-tls-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir = tmpl;
        ca = net::load_or_create_test_ca(dir);
    }
    ~SharedCa() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
};
const net::TestCa& shared_ca() {
    static SharedCa shared;
    return shared.ca;
}

struct Server {
    std::atomic<int> messages{0};
    net::SmtpServer server;
    explicit Server(net::SmtpServerConfig config) : server(with_counter(std::move(config))) {
        server.start();
    }
    ~Server() { server.stop(); }
    net::SmtpServerConfig with_counter(net::SmtpServerConfig config) {
        config.on_message = [this](smtp::ReceivedMessage&&, const net::TlsInfo&) { ++messages; };
        return config;
    }
};

net::SmtpServerConfig tls_server(std::shared_ptr<boost::asio::ssl::context> context) {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.hostname = mx_name;
    config.timeouts.command = 10s;
    config.timeouts.tls_handshake = 10s;
    config.tls = std::move(context);
    return config;
}

net::ClientConnectionOptions verifying_client(const std::string& server_name,
                                              net::TlsVersions versions = net::TlsVersions::any) {
    net::ClientConnectionOptions options;
    options.timeouts.every_phase = 5s;
    options.timeouts.connect = 5s;
    options.timeouts.tls_handshake = 5s;
    options.session.starttls = smtp::TlsMode::required;
    options.tls = net::make_client_context(shared_ca().certificate_file, versions);
    options.sni = server_name;
    return options;
}

std::vector<smtp::OutgoingMessage> one_message() {
    return {test::make_message(1, "Subject: tls\r\n\r\nbody\r\n")};
}

}  // namespace

TEST_CASE("each certificate variant against a verifying client", "[integration][tls]") {
    struct Case {
        const char* label;
        net::TlsVariant variant;
        const char* server_name;  // what the client asks for and checks
        const char* want_error;   // empty: the message goes through
    };
    auto c = GENERATE(
        Case{"valid, by name", net::TlsVariant::valid, mx_name, ""},
        Case{"valid, by IP address SAN", net::TlsVariant::valid, "127.0.0.1", ""},
        Case{"valid cert, client asks for another name", net::TlsVariant::valid, "other.test",
             "host name mismatch"},
        Case{"expired", net::TlsVariant::expired, mx_name, "certificate expired"},
        Case{"wrong host", net::TlsVariant::wrong_host, mx_name, "host name mismatch"},
        Case{"wrong host, by IP address", net::TlsVariant::wrong_host, "127.0.0.1",
             "host name mismatch"},
        Case{"self-signed", net::TlsVariant::self_signed, mx_name, "self-signed certificate"});
    INFO(c.label);
    Server server(tls_server(
        net::make_variant_server_context(c.variant, mx_name, net::TlsVersions::any, &shared_ca())));
    test::RecordingSource source(one_message());
    auto outcome = test::run_client(server.server.port(), verifying_client(c.server_name), source);
    if (std::string(c.want_error).empty()) {
        CHECK(outcome.error == "");
        CHECK(outcome.clean);
        CHECK(outcome.tls.active);
        REQUIRE(source.results.size() == 1);
        CHECK(source.results[0].accepted);
        CHECK(server.messages == 1);
    } else {
        CHECK_FALSE(outcome.clean);
        CHECK_THAT(outcome.error,
                   Catch::Contains(std::string("TLS handshake failed: ") + c.want_error));
        CHECK(server.messages == 0);
    }
}

TEST_CASE("an unverified client still reaches the failing variants", "[integration][tls]") {
    // The failures above come from verification, not from a broken certificate: the harness's
    // default client (no CA) gets through to the same servers.
    auto variant = GENERATE(net::TlsVariant::expired, net::TlsVariant::wrong_host,
                            net::TlsVariant::self_signed);
    Server server(tls_server(
        net::make_variant_server_context(variant, mx_name, net::TlsVersions::any, &shared_ca())));
    auto options = verifying_client(mx_name);
    options.tls = net::make_client_context();
    test::RecordingSource source(one_message());
    auto outcome = test::run_client(server.server.port(), options, source);
    CHECK(outcome.clean);
    CHECK(server.messages == 1);
}

TEST_CASE("TLS version limits on server and client", "[integration][tls]") {
    using V = net::TlsVersions;
    struct Case {
        V server;
        V client;
        const char* want_version;  // empty: the handshake must fail
    };
    auto c =
        GENERATE(Case{V::tls12_only, V::any, "TLSv1.2"}, Case{V::tls13_only, V::any, "TLSv1.3"},
                 Case{V::any, V::tls12_only, "TLSv1.2"}, Case{V::any, V::any, "TLSv1.3"},
                 Case{V::tls12_only, V::tls13_only, ""}, Case{V::tls13_only, V::tls12_only, ""});
    INFO("server " << net::to_string(c.server) << ", client " << net::to_string(c.client));
    Server server(tls_server(
        net::make_variant_server_context(net::TlsVariant::valid, mx_name, c.server, &shared_ca())));
    test::RecordingSource source(one_message());
    auto outcome =
        test::run_client(server.server.port(), verifying_client(mx_name, c.client), source);
    if (std::string(c.want_version).empty()) {
        CHECK_THAT(outcome.error,
                   Catch::Contains("TLS handshake failed: no TLS protocol version in common"));
        CHECK(server.messages == 0);
        server.server.stop();
        CHECK(server.server.stats().tls_failures == 1);
    } else {
        CHECK(outcome.clean);
        CHECK(outcome.tls.version == c.want_version);
        CHECK(server.messages == 1);
    }
}

TEST_CASE("broken STARTTLS: 220, then the handshake fails, without a hang", "[integration][tls]") {
    auto config = tls_server(nullptr);  // needs no certificate
    config.broken_starttls = true;
    Server server(std::move(config));

    SECTION("relaylab's client reports a handshake failure") {
        test::RecordingSource source(one_message());
        auto started = std::chrono::steady_clock::now();
        auto outcome = test::run_client(server.server.port(), verifying_client(mx_name), source);
        CHECK(std::chrono::steady_clock::now() - started < 4s);  // not a timeout
        CHECK(outcome.connected);
        CHECK(outcome.capabilities.starttls);
        CHECK_FALSE(outcome.clean);
        CHECK_THAT(outcome.error, Catch::Contains("TLS handshake failed: handshake failure"));
        CHECK(server.messages == 0);
    }
    SECTION("on the wire: STARTTLS offered, 220 Ready, an alert, then close") {
        auto socket = test::RawSocket::connect(server.server.port());
        CHECK_THAT(socket.read_until("\r\n"), Catch::StartsWith("220 "));
        // STARTTLS may end a pipelined group (RFC 2920 3.1).
        socket.send("EHLO client.test\r\nSTARTTLS\r\n");
        std::string replies = socket.read_until("Ready to start TLS\r\n");
        CHECK_THAT(replies, Catch::Contains("STARTTLS\r\n") &&
                                Catch::EndsWith("220 2.0.0 Ready to start TLS\r\n"));
        socket.send(std::string("\x16\x03\x01\x00\x05hello", 10));  // the start of a ClientHello
        std::string alert = socket.read_until("\x28", 5s);
        CHECK(alert == std::string("\x15\x03\x03\x00\x02\x02\x28", 7));
        CHECK(socket.closed_by_peer(5s));
    }
    server.server.stop();
    CHECK(server.server.stats().tls_failures == 1);
}
