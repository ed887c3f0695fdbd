// The SMTP client's connection shell against real sockets: the MX list walked in order (closed
// port, 421 greeting, good server), the STARTTLS-without-context crash gone, and the TLS
// security levels (may with plaintext fallback, encrypt, verify, dane) with typed outcomes.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "harness/net/smtp_server.hpp"
#include "harness/net/tls_policy.hpp"
#include "test_support.hpp"

using namespace relaylab;
using namespace std::chrono_literals;

namespace {

using test::Capture;
using test::capturing_server;
using test::quick_client;

std::vector<smtp::OutgoingMessage> messages(std::size_t n) {
    std::vector<smtp::OutgoingMessage> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(test::make_message(i, "Subject: " + std::to_string(i) + "\r\n\r\nbody\r\n"));
    return out;
}

boost::asio::ip::tcp::endpoint loopback(std::uint16_t port) {
    return {boost::asio::ip::address_v4::loopback(), port};
}

net::EndpointsOutcome run_endpoints(const std::vector<net::Endpoint>& endpoints,
                                    const net::ClientConnectionOptions& options,
                                    test::RecordingSource& source) {
    boost::asio::io_context context;
    auto future = boost::asio::co_spawn(
        context, net::run_client_endpoints(endpoints, options, source), boost::asio::use_future);
    context.run();
    return future.get();
}

// A port nothing listens on: a listener's ephemeral port, closed again.
std::uint16_t closed_port() {
    test::RawListener listener;
    return listener.port();
}

// SHA-256 of the certificate's SubjectPublicKeyInfo: the data of a TLSA 3 1 1 record.
std::string spki_sha256(const std::string& certificate_pem) {
    BIO* bio = BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(cert != nullptr);
    unsigned char* der = nullptr;
    int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    EVP_Digest(der, static_cast<std::size_t>(length), digest, &digest_length, EVP_sha256(),
               nullptr);
    OPENSSL_free(der);
    X509_free(cert);
    return std::string(reinterpret_cast<const char*>(digest), digest_length);
}

}  // namespace

TEST_CASE("MX list: closed port, then 421 greeting, then a good server", "[integration][mx]") {
    Capture capture;
    net::SmtpServer server(capturing_server(capture));
    server.start();
    test::RawListener busy;
    std::thread busy_server([&] {
        // One connection: the 421 greeting of a server at its limit, then close.
        test::RawSocket socket = busy.accept(10s);
        socket.send("421 4.3.2 mx2 busy, try another\r\n");
    });
    std::vector<net::Endpoint> endpoints = {
        {"mx1.test", loopback(closed_port()), {}},
        {"mx2.test", loopback(busy.port()), {}},
        {"mx3.test", loopback(server.port()), {}},
    };
    test::RecordingSource source(messages(3));
    auto walk = run_endpoints(endpoints, quick_client(), source);
    busy_server.join();
    server.stop();
    REQUIRE(walk.attempts.size() == 3);
    CHECK(walk.attempts[0].endpoint.rfind("mx1.test 127.0.0.1:", 0) == 0);
    CHECK(walk.attempts[0].outcome.key() == "connect");
    CHECK(walk.attempts[1].outcome.key() == "reply:421");
    CHECK(walk.attempts[1].outcome.reply.enhanced == "4.3.2");
    CHECK(walk.attempts[2].outcome.ok());
    CHECK(walk.last.clean);
    REQUIRE(source.results.size() == 3);
    for (const auto& result : source.results) {
        CHECK(result.accepted);
        CHECK(result.outcome.ok());
        CHECK(result.content_sent);
    }
    CHECK(capture.messages.size() == 3);
    CHECK(source.unsent == 0);
}

TEST_CASE("MX list: a 5xx greeting ends the walk", "[integration][mx]") {
    test::RawListener refusing;
    std::thread refusing_server([&] {
        test::RawSocket socket = refusing.accept(10s);
        socket.send("554 5.7.1 no service for you\r\n");
    });
    std::vector<net::Endpoint> endpoints = {
        {"mx1.test", loopback(refusing.port()), {}},
        {"mx2.test", loopback(closed_port()), {}},
    };
    test::RecordingSource source(messages(1));
    auto walk = run_endpoints(endpoints, quick_client(), source);
    refusing_server.join();
    REQUIRE(walk.attempts.size() == 1);
    CHECK(walk.attempts[0].outcome.key() == "reply:554");
    CHECK(source.results.empty());  // nothing was taken from the source
}

TEST_CASE("STARTTLS offered to a client without a TLS context: no crash",
          "[integration][tls][regression]") {
    auto pki = test::make_test_pki("mx.server.test");
    Capture capture;
    auto config = capturing_server(capture);
    config.tls = net::make_server_context(pki.server);  // offers STARTTLS
    net::SmtpServer server(config);
    server.start();
    SECTION("opportunistic (may): plaintext, and the outcome says why") {
        auto options = quick_client();
        options.session.starttls = smtp::TlsMode::opportunistic;
        options.tls = nullptr;
        test::RecordingSource source(messages(2));
        auto outcome = test::run_client(server.port(), options, source);
        CHECK(outcome.clean);
        CHECK_FALSE(outcome.tls.active);
        CHECK(outcome.tls_result.fallback_reason == smtp::TlsFailure::no_context);
        CHECK(source.results.size() == 2);
    }
    SECTION("required (encrypt): a clear TLS outcome, nothing sent") {
        auto options = quick_client();
        options.session.starttls = smtp::TlsMode::required;
        options.tls = nullptr;
        test::RecordingSource source(messages(1));
        auto outcome = test::run_client(server.port(), options, source);
        CHECK_FALSE(outcome.clean);
        CHECK(outcome.outcome.key() == "tls:no_context");
        CHECK(source.results.empty());
        CHECK(capture.messages.empty());
    }
    server.stop();
}

TEST_CASE("TLS level may: a failed handshake retries in plaintext", "[integration][tls]") {
    auto pki = test::make_test_pki("mx.server.test");
    Capture capture;
    auto config = capturing_server(capture);
    config.tls = net::make_server_context(pki.server, net::TlsVersions::tls13_only);
    net::SmtpServer server(config);
    server.start();
    auto options = quick_client();
    net::apply_tls_policy({net::TlsSecurityLevel::may, "", net::TlsVersions::tls12_only}, options);
    test::RecordingSource source(messages(2));
    auto outcome = test::run_client(server.port(), options, source);
    server.stop();
    CHECK(outcome.clean);
    CHECK_FALSE(outcome.tls.active);
    CHECK(outcome.tls_result.plaintext_fallback);
    CHECK(outcome.tls_result.fallback_reason == smtp::TlsFailure::no_common_version);
    REQUIRE(source.results.size() == 2);
    CHECK(capture.messages.size() == 2);
    CHECK_FALSE(capture.messages[0].tls);

    SECTION("encrypt does not fall back") {
        net::SmtpServer again(config);
        again.start();
        auto strict = quick_client();
        net::apply_tls_policy({net::TlsSecurityLevel::encrypt, "", net::TlsVersions::tls12_only},
                              strict);
        test::RecordingSource none(messages(1));
        auto failed = test::run_client(again.port(), strict, none);
        again.stop();
        CHECK(failed.outcome.key() == "tls:no_common_version");
        CHECK_FALSE(failed.tls_result.plaintext_fallback);
        CHECK(none.results.empty());
    }
}

TEST_CASE("TLS level verify: chain and name, with the session's facts", "[integration][tls]") {
    auto pki = test::make_test_pki("mx.server.test");
    Capture capture;
    auto config = capturing_server(capture);
    config.tls = net::make_server_context(pki.server);
    net::SmtpServer server(config);
    server.start();
    auto options = quick_client();
    net::apply_tls_policy({net::TlsSecurityLevel::verify, pki.ca_file, net::TlsVersions::any},
                          options);
    SECTION("right name") {
        std::vector<net::Endpoint> endpoints = {{"mx.server.test", loopback(server.port()), {}}};
        test::RecordingSource source(messages(1));
        auto walk = run_endpoints(endpoints, options, source);
        REQUIRE(walk.attempts.size() == 1);
        const auto& tls = walk.attempts[0].tls;
        CHECK(tls.active);
        CHECK(tls.verified);
        CHECK_FALSE(tls.dane);
        CHECK(tls.version.rfind("TLSv1.", 0) == 0);
        CHECK_FALSE(tls.cipher.empty());
        CHECK_THAT(tls.peer_subject, Catch::Contains("CN=mx.server.test"));
        CHECK(source.results.size() == 1);
    }
    SECTION("wrong name: a typed failure, the next MX is tried") {
        std::vector<net::Endpoint> endpoints = {
            {"mx.other.test", loopback(server.port()), {}},
            {"mx.server.test", loopback(server.port()), {}},
        };
        test::RecordingSource source(messages(1));
        auto walk = run_endpoints(endpoints, options, source);
        REQUIRE(walk.attempts.size() == 2);
        CHECK(walk.attempts[0].outcome.key() == "tls:hostname_mismatch");
        CHECK(walk.attempts[1].outcome.ok());
        CHECK(walk.attempts[1].tls.verified);
        CHECK(source.results.size() == 1);
    }
    SECTION("encrypt: TLS without verification") {
        net::apply_tls_policy({net::TlsSecurityLevel::encrypt, "", net::TlsVersions::any}, options);
        std::vector<net::Endpoint> endpoints = {{"mx.other.test", loopback(server.port()), {}}};
        test::RecordingSource source(messages(1));
        auto walk = run_endpoints(endpoints, options, source);
        REQUIRE(walk.attempts.size() == 1);
        CHECK(walk.attempts[0].tls.active);
        CHECK_FALSE(walk.attempts[0].tls.verified);
        CHECK(source.results.size() == 1);
    }
    server.stop();
}

TEST_CASE("TLS level dane: DANE-EE 3 1 1 against the served certificate", "[integration][tls]") {
    auto pki = test::make_test_pki("mx.server.test");
    Capture capture;
    auto config = capturing_server(capture);
    config.tls = net::make_server_context(pki.server);
    net::SmtpServer server(config);
    server.start();
    auto options = quick_client();
    net::apply_tls_policy({net::TlsSecurityLevel::dane, "", net::TlsVersions::any}, options);
    net::TlsaRecord matching{3, 1, 1, spki_sha256(pki.server.certificate)};
    net::TlsaRecord other{3, 1, 1, std::string(32, '\x42')};
    struct Case {
        const char* label;
        net::DaneRecords dane;
        std::string key;
    };
    for (const auto& c : std::vector<Case>{
             {"matching, validated", {{matching}, true}, "ok"},
             {"matching among others", {{other, matching}, true}, "ok"},
             {"no AD bit", {{matching}, false}, "tls:dane_insecure_lookup"},
             {"no match", {{other}, true}, "tls:dane_no_match"},
             {"only PKIX-TA: unusable", {{{0, 1, 1, matching.data}}, true}, "tls:dane_unusable"},
         }) {
        INFO(c.label);
        std::vector<net::Endpoint> endpoints = {
            {"mx.server.test", loopback(server.port()), c.dane}};
        test::RecordingSource source(messages(1));
        auto walk = run_endpoints(endpoints, options, source);
        REQUIRE_FALSE(walk.attempts.empty());
        CHECK(walk.attempts[0].outcome.key() == c.key);
        CHECK(walk.attempts[0].tls.dane == (c.key == "ok"));
        CHECK(source.results.size() == (c.key == "ok" ? 1u : 0u));
    }
    server.stop();
}

TEST_CASE("AUTH over plaintext is refused by the client unless allowed", "[integration]") {
    Capture capture;
    auto config = capturing_server(capture);
    config.session.auth_mechanisms = {"PLAIN"};
    config.session.auth_without_tls = true;
    net::SmtpServer server(config);
    server.start();
    auto options = quick_client();
    options.session.auth = smtp::Credentials{"", "alice", "s3cret"};
    test::RecordingSource refused(messages(1));
    auto outcome = test::run_client(server.port(), options, refused);
    CHECK(outcome.outcome.layer == smtp::FailureLayer::local);
    CHECK(refused.results.empty());
    options.session.auth_without_tls = true;
    test::RecordingSource allowed(messages(1));
    outcome = test::run_client(server.port(), options, allowed);
    CHECK(outcome.clean);
    CHECK(allowed.results.size() == 1);
    server.stop();
}

TEST_CASE("TLSA lookups become DANE input only when validated", "[tls][dane]") {
    CHECK(net::tlsa_owner_name("mx.example.test.") == "_25._tcp.mx.example.test");
    dns::LookupResult<dns::TlsaData> lookup;
    lookup.status = dns::Status::ok;
    lookup.values.push_back({3, 1, 1, {0xab, 0xcd}});
    CHECK_FALSE(net::dane_records_from(lookup).authenticated);
    lookup.authenticated_data = true;
    auto dane = net::dane_records_from(lookup);
    CHECK(dane.authenticated);
    REQUIRE(dane.records.size() == 1);
    CHECK(dane.records[0].usage == 3);
    CHECK(dane.records[0].data == std::string("\xab\xcd"));
    lookup.status = dns::Status::servfail;
    CHECK_FALSE(net::dane_records_from(lookup).authenticated);
}
