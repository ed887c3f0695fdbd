// The SMTP client against the SMTP server, in one process over loopback: TLS, AUTH,
// pipelining, chunking, size limits and content integrity.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "harness/net/smtp_server.hpp"
#include "test_support.hpp"

using namespace relaylab;
using namespace std::chrono_literals;

namespace {

using test::Capture;
using test::capturing_server;
using test::quick_client;

std::vector<smtp::OutgoingMessage> messages(std::size_t n, const std::string& body) {
    std::vector<smtp::OutgoingMessage> out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(test::make_message(i, "Subject: " + std::to_string(i) + "\r\n\r\n" + body));
    }
    return out;
}

}  // namespace

TEST_CASE("messages arrive intact, dot-stuffing undone", "[integration]") {
    Capture capture;
    net::SmtpServer server(capturing_server(capture));
    server.start();
    // Lines that start with dots, a lone dot, and a last line without CRLF.
    std::string body = ".leading dot\r\n.\r\n..two dots\r\nplain\r\n";
    test::RecordingSource source(messages(20, body));
    auto outcome = test::run_client(server.port(), quick_client(), source);
    server.stop();
    CHECK(outcome.clean);
    CHECK(outcome.capabilities.pipelining);
    REQUIRE(source.results.size() == 20);
    for (const auto& result : source.results)
        CHECK(result.accepted);
    REQUIRE(capture.messages.size() == 20);
    for (std::size_t i = 0; i < 20; ++i) {
        const auto& message = capture.messages[i];
        CHECK(message.content == "Subject: " + std::to_string(i) + "\r\n\r\n" + body);
        CHECK(message.envelope.mail_from.address() == "sender@client.test");
        REQUIRE(message.envelope.recipients.size() == 1);
        CHECK(message.envelope.recipients[0].path.address() ==
              "rcpt" + std::to_string(i) + "@server.test");
        CHECK_FALSE(message.chunked);
        CHECK(message.esmtp);
    }
}

TEST_CASE("BDAT when the client asks for chunking", "[integration]") {
    Capture capture;
    net::SmtpServer server(capturing_server(capture));
    server.start();
    auto options = quick_client();
    options.session.use_chunking = true;
    std::string body = ".no stuffing in BDAT\r\n.\r\n";
    test::RecordingSource source(messages(5, body));
    auto outcome = test::run_client(server.port(), options, source);
    server.stop();
    CHECK(outcome.clean);
    REQUIRE(capture.messages.size() == 5);
    for (const auto& message : capture.messages) {
        CHECK(message.chunked);
        CHECK(message.content.ends_with(body));
    }
}

TEST_CASE("STARTTLS verified against a CA made at test time", "[integration][tls]") {
    auto pki = test::make_test_pki("mx.server.test");
    Capture capture;
    auto config = capturing_server(capture);
    config.tls = net::make_server_context(pki.server);
    net::SmtpServer server(config);
    server.start();

    SECTION("right name: the handshake succeeds and the message goes over TLS") {
        auto options = quick_client();
        options.session.starttls = smtp::TlsMode::required;
        options.tls = net::make_client_context(pki.ca_file);
        options.sni = "mx.server.test";
        test::RecordingSource source(messages(3, "secret\r\n"));
        auto outcome = test::run_client(server.port(), options, source);
        CHECK(outcome.clean);
        CHECK(outcome.tls.active);
        CHECK_FALSE(outcome.tls.version.empty());
        REQUIRE(capture.messages.size() == 3);
        CHECK(capture.messages[0].tls);
        CHECK(capture.tls[0].active);
        CHECK(capture.tls[0].sni == "mx.server.test");
    }
    SECTION("wrong name: verification fails and nothing is sent") {
        auto options = quick_client();
        options.session.starttls = smtp::TlsMode::required;
        options.tls = net::make_client_context(pki.ca_file);
        options.sni = "other.test";
        test::RecordingSource source(messages(1, "x\r\n"));
        auto outcome = test::run_client(server.port(), options, source);
        CHECK_FALSE(outcome.clean);
        CHECK_THAT(outcome.error, Catch::Contains("TLS handshake failed"));
        CHECK(capture.messages.empty());
    }
    server.stop();
    CHECK(server.stats().tls_failures.load() <= 1);
}

TEST_CASE("STARTTLS required but not offered fails before MAIL", "[integration][tls]") {
    Capture capture;
    net::SmtpServer server(capturing_server(capture));  // no certificate: no STARTTLS
    server.start();
    auto options = quick_client();
    options.session.starttls = smtp::TlsMode::required;
    options.tls = net::make_client_context();
    test::RecordingSource source(messages(1, "x\r\n"));
    auto outcome = test::run_client(server.port(), options, source);
    server.stop();
    CHECK_THAT(outcome.error, Catch::Contains("STARTTLS required but not offered"));
    CHECK(capture.messages.empty());
}

TEST_CASE("AUTH PLAIN and LOGIN over TLS, checked by the server's decision", "[integration]") {
    Capture capture;
    auto config = capturing_server(capture);
    config.tls = net::make_server_context(net::make_self_signed_certificate("mx.server.test"));
    auto mechanism = GENERATE(as<std::string>{}, "PLAIN", "LOGIN");
    config.session.auth_mechanisms = {mechanism};
    config.session.require_auth = true;
    config.session.decisions = static_cast<unsigned>(smtp::Phase::auth);
    config.decide = [](net::DecisionContext& context) -> boost::asio::awaitable<smtp::Decision> {
        smtp::Decision decision;
        const auto& credentials = context.session.credentials();
        if (credentials.username != "alice" || credentials.password != "s3cret") {
            decision.reply = smtp::make_reply(535, "5.7.8", "Authentication credentials invalid");
        }
        co_return decision;
    };
    net::SmtpServer server(config);
    server.start();
    auto options = quick_client();
    options.session.starttls = smtp::TlsMode::required;
    options.tls = net::make_client_context();
    SECTION("good credentials: accepted and recorded") {
        options.session.auth = smtp::Credentials{"", "alice", "s3cret"};
        test::RecordingSource source(messages(2, "x\r\n"));
        auto outcome = test::run_client(server.port(), options, source);
        CHECK(outcome.clean);
        REQUIRE(capture.messages.size() == 2);
        CHECK(capture.messages[0].auth_user == "alice");
    }
    SECTION("bad password: the session fails with 535") {
        options.session.auth = smtp::Credentials{"", "alice", "wrong"};
        test::RecordingSource source(messages(1, "x\r\n"));
        auto outcome = test::run_client(server.port(), options, source);
        CHECK_THAT(outcome.error, Catch::Contains("535"));
        CHECK(capture.messages.empty());
    }
    server.stop();
}

TEST_CASE("SIZE: a declared size over the limit is refused at MAIL", "[integration]") {
    Capture capture;
    auto config = capturing_server(capture);
    config.session.max_message_size = 2000;
    net::SmtpServer server(config);
    server.start();
    std::vector<smtp::OutgoingMessage> list;
    list.push_back(test::make_message(1, std::string(5000, 'a') + "\r\n"));
    list.push_back(test::make_message(2, "small\r\n"));
    test::RecordingSource source(std::move(list));
    auto outcome = test::run_client(server.port(), quick_client(), source);
    SECTION("and without SIZE= the content is refused at the end") {
        auto options = quick_client();
        options.session.declare_size = false;
        test::RecordingSource undeclared({test::make_message(3, std::string(5000, 'b') + "\r\n")});
        test::run_client(server.port(), options, undeclared);
        REQUIRE(undeclared.results.size() == 1);
        CHECK(undeclared.results[0].failed_at == smtp::Stage::data_end);
        CHECK(undeclared.results[0].final.code == 552);
    }
    server.stop();
    REQUIRE(source.results.size() == 2);
    CHECK(source.results[0].failed_at == smtp::Stage::mail);
    CHECK(source.results[0].final.code == 552);
    CHECK(source.results[1].accepted);  // the session went on after the refusal
}

TEST_CASE("the client pipelines MAIL, RCPT and DATA in one write", "[integration]") {
    // A scripted server that answers nothing until DATA has arrived: a client that waited for
    // each reply would stall here and time out.
    test::RawListener listener;
    std::string seen;
    std::thread peer([&] {
        auto socket = listener.accept();
        socket.send("220 scripted ESMTP\r\n");
        socket.read_until("\r\n");
        socket.send("250-scripted\r\n250 PIPELINING\r\n");
        seen = socket.read_until("DATA\r\n", 3s);
        socket.send("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n");
        socket.read_until("\r\n.\r\n", 3s);
        socket.send("250 2.0.0 Ok: queued\r\n");
        socket.read_until("QUIT\r\n", 3s);
        socket.send("221 2.0.0 Bye\r\n");
    });
    test::RecordingSource source({test::make_message(1, "hello\r\n")});
    auto options = quick_client();
    options.timeouts.every_phase = 3s;
    auto outcome = test::run_client(listener.port(), options, source);
    peer.join();
    CHECK_THAT(seen, Catch::Contains("MAIL FROM:<sender@client.test>"));
    CHECK_THAT(seen, Catch::Contains("RCPT TO:<rcpt1@server.test>"));
    REQUIRE(source.results.size() == 1);
    CHECK(source.results[0].accepted);
    CHECK(outcome.clean);
}

TEST_CASE("STARTTLS response injection is noticed and dropped", "[integration][tls]") {
    // CVE-2011-0411 from the server side: a reply smuggled after "220 ready" in the same
    // plaintext segment must never be taken as an answer inside TLS.
    test::RawListener listener;
    std::thread peer([&] {
        auto socket = listener.accept();
        socket.send("220 scripted ESMTP\r\n");
        socket.read_until("\r\n");
        socket.send("250-scripted\r\n250 STARTTLS\r\n");
        socket.read_until("STARTTLS\r\n");
        socket.send("220 2.0.0 Ready\r\n250 2.1.0 injected\r\n");
        socket.closed_by_peer(3s);  // the client starts a handshake we never answer
    });
    auto options = quick_client();
    options.timeouts.every_phase = 1s;
    options.timeouts.tls_handshake = 1s;
    options.session.starttls = smtp::TlsMode::required;
    options.tls = net::make_client_context();
    test::RecordingSource source({test::make_message(1, "x\r\n")});
    auto outcome = test::run_client(listener.port(), options, source);
    peer.join();
    CHECK(outcome.plaintext_injection_seen);
    CHECK_FALSE(outcome.clean);
}

TEST_CASE("the client times out waiting for a greeting that never comes", "[integration]") {
    test::RawListener listener;
    std::thread peer([&] {
        auto socket = listener.accept();
        socket.closed_by_peer(3s);
    });
    auto options = quick_client();
    options.timeouts.every_phase = 300ms;
    test::RecordingSource source({test::make_message(1, "x\r\n")});
    auto started = std::chrono::steady_clock::now();
    auto outcome = test::run_client(listener.port(), options, source);
    peer.join();
    CHECK_THAT(outcome.error, Catch::Contains("timed out waiting for the greeting"));
    CHECK(std::chrono::steady_clock::now() - started < 3s);
}
