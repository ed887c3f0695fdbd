// run_tls_checks and run_dane_checks against an in-process fake MX (one host per TLS
// behaviour, ephemeral loopback ports, its own threads) and the fixture DNS server; each probe
// runs on a fresh io_context bounded in time.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake-mx/dns-fixture/server.hpp"
#include "fake-mx/receiver/fake_mx.hpp"
#include "harness/dns/resolver.hpp"
#include "probes/transport/tls_checks.hpp"
#include "tests/catch_main.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Far beyond what loopback needs; a probe that hits it has hung.
constexpr auto probe_deadline = 60s;

// Host name prefix -> the behaviour's "tls" object.
const std::map<std::string, const char*> tls_behaviours = {
    {"good", R"({"certificate": "valid"})"},
    {"expired", R"({"certificate": "expired"})"},
    {"selfsigned", R"({"certificate": "self-signed"})"},
    {"wronghost", R"({"certificate": "wrong-host"})"},
    {"plain", R"({"certificate": "none"})"},
    {"legacy", R"({"certificate": "valid", "versions": "legacy"})"},
    {"tls13", R"({"certificate": "valid", "versions": "1.3"})"},
    {"tls12", R"({"certificate": "valid", "versions": "1.2"})"},
    {"broken", R"({"certificate": "valid", "broken_starttls": true})"},
};

std::string host_name(const std::string& prefix) {
    return prefix + ".probe.test";
}

// One fake MX with a host per behaviour, and its CA on disk so the probe can use --ca.
struct World {
    std::filesystem::path ca_dir;
    std::unique_ptr<fakemx::FakeMx> mx;
    std::map<std::string, std::uint16_t> ports;

    World() {
        char tmpl[] = "/tmp/relaylab-probe-tls-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
        ca_dir = tmpl;
        fakemx::FakeMxConfig config;
        config.tls_ca_dir = (ca_dir / "ca").string();
        config.transcripts = false;
        for (const auto& [prefix, tls] : tls_behaviours) {
            fakemx::HostConfig host;
            host.name = host_name(prefix);
            host.behaviour = fakemx::parse_behaviour(
                nlohmann::json{{"tls", nlohmann::json::parse(tls)}}, prefix);
            config.hosts.push_back(std::move(host));
        }
        mx = std::make_unique<fakemx::FakeMx>(std::move(config));
        mx->start();
        for (std::size_t i = 0; i < mx->host_count(); ++i) {
            std::string name = mx->host_name(i);
            ports[name.substr(0, name.find('.'))] = mx->port(i);
        }
    }
    ~World() {
        mx->stop();
        std::error_code ignored;
        std::filesystem::remove_all(ca_dir, ignored);
    }
    std::string ca_file() const { return (ca_dir / "ca" / "ca.pem").string(); }
};

World& world() {
    static World shared;
    return shared;
}

// The fixture DNS server for probe.test, on its own io thread.
class FixtureDns {
  public:
    explicit FixtureDns(const std::string& zone_text) {
        dns::fixture::ZoneSet zones;
        zones.add(dns::fixture::load_zone_text(zone_text, "probe.test.zone"));
        server_ = std::make_unique<dns::fixture::FixtureServer>(
            io_.get_executor(), dns::fixture::Fixture(std::move(zones), {}), "127.0.0.1", 0);
        server_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~FixtureDns() {
        asio::post(io_, [this] {
            server_->stop();
            io_.stop();
        });
        thread_.join();
    }
    dns::ResolverConfig config() const {
        auto config = dns::ResolverConfig::fixture("127.0.0.1", server_->port());
        config.timeout = 1000ms;
        config.tries = 1;
        return config;
    }

  private:
    asio::io_context io_;
    std::unique_ptr<dns::fixture::FixtureServer> server_;
    std::thread thread_;
};

ProbeOptions test_options() {
    ProbeOptions options;
    options.ca_file = world().ca_file();
    options.timeouts.connect = 5s;
    options.timeouts.reply = 5s;
    options.timeouts.tls_handshake = 5s;
    options.timeouts.write = 5s;
    return options;
}

using Group = asio::awaitable<std::vector<CheckResult>> (*)(ProbeContext&);

std::vector<CheckResult> run_group(Group group, ProbeTarget target, ProbeOptions options,
                                   const dns::ResolverConfig* dns_config = nullptr) {
    asio::io_context io;
    std::unique_ptr<dns::Resolver> resolver;
    if (dns_config) resolver = std::make_unique<dns::Resolver>(io.get_executor(), *dns_config);
    ProbeContext context{io.get_executor(), std::move(target), std::move(options), resolver.get()};
    std::optional<std::vector<CheckResult>> results;
    std::exception_ptr error;
    asio::co_spawn(io, group(context), [&](std::exception_ptr e, std::vector<CheckResult> r) {
        error = e;
        if (!e) results = std::move(r);
    });
    io.run_for(probe_deadline);
    if (error) std::rethrow_exception(error);
    REQUIRE(results);
    return std::move(*results);
}

ProbeTarget target_of(const std::string& prefix) {
    ProbeTarget target;
    target.host = host_name(prefix);
    target.address = "127.0.0.1";
    target.port = world().ports.at(prefix);
    target.host_is_name = true;
    return target;
}

std::vector<CheckResult> probe_tls(const std::string& prefix) {
    return run_group(run_tls_checks, target_of(prefix), test_options());
}

const CheckResult& find(const std::vector<CheckResult>& results, const std::string& name) {
    for (const auto& r : results)
        if (r.name == name) return r;
    FAIL("no result named " << name);
    throw std::logic_error("unreachable");
}

std::string describe(const std::vector<CheckResult>& results) {
    std::string out;
    for (const auto& r : results)
        out += r.name + ": " + std::string(to_string(r.verdict)) + " - " + r.explanation + "\n";
    return out;
}

}  // namespace

TEST_CASE("good TLS: every tls result passes", "[probe][tls][integration]") {
    auto results = probe_tls("good");
    INFO(describe(results));
    REQUIRE(results.size() == 5);
    for (const auto& r : results)
        CHECK(r.verdict == Verdict::pass);
    const auto& starttls = find(results, "tls.starttls");
    CHECK(starttls.details["version"] == "TLSv1.3");
    const auto& versions = find(results, "tls.versions");
    CHECK(versions.details["accepted"] == nlohmann::json({"TLSv1.2", "TLSv1.3"}));
    const auto& certificate = find(results, "tls.certificate");
    CHECK(certificate.details["name_matches"] == true);
    CHECK(certificate.details["subject"] == "CN=good.probe.test");
    CHECK(certificate.details["days_left"].get<int>() >= 89);
    // The fake MX offers no AUTH.
    CHECK(find(results, "tls.auth-before-tls").explanation.find("no AUTH") != std::string::npos);
    // Evidence is the dialogue itself.
    bool starttls_line = false;
    for (const auto& line : starttls.evidence)
        starttls_line |= line == "C: STARTTLS";
    CHECK(starttls_line);
}

TEST_CASE("expired certificate: tls.certificate fails", "[probe][tls][integration]") {
    auto results = probe_tls("expired");
    INFO(describe(results));
    const auto& certificate = find(results, "tls.certificate");
    CHECK(certificate.verdict == Verdict::fail);
    CHECK(certificate.explanation.find("expired") != std::string::npos);
    CHECK(certificate.details["days_left"].get<int>() < 0);
    CHECK(find(results, "tls.starttls").verdict == Verdict::pass);
}

TEST_CASE("self-signed certificate: tls.certificate fails", "[probe][tls][integration]") {
    auto results = probe_tls("selfsigned");
    INFO(describe(results));
    const auto& certificate = find(results, "tls.certificate");
    CHECK(certificate.verdict == Verdict::fail);
    CHECK(certificate.explanation.find("self-signed") != std::string::npos);
}

TEST_CASE("wrong host: tls.certificate fails on the name", "[probe][tls][integration]") {
    auto results = probe_tls("wronghost");
    INFO(describe(results));
    const auto& certificate = find(results, "tls.certificate");
    CHECK(certificate.verdict == Verdict::fail);
    CHECK(certificate.details["name_matches"] == false);
    CHECK(certificate.details["chain_verified"] == true);
    CHECK(certificate.explanation.find("does not name wronghost.probe.test") != std::string::npos);
}

TEST_CASE("no STARTTLS: tls.starttls fails, nothing else to judge", "[probe][tls][integration]") {
    auto results = probe_tls("plain");
    INFO(describe(results));
    REQUIRE(results.size() == 2);
    CHECK(find(results, "tls.starttls").verdict == Verdict::fail);
    CHECK(find(results, "tls.auth-before-tls").verdict == Verdict::pass);
}

TEST_CASE("STARTTLS answered 220, then a broken handshake: tls.starttls fails",
          "[probe][tls][integration]") {
    auto results = probe_tls("broken");
    INFO(describe(results));
    const auto& starttls = find(results, "tls.starttls");
    CHECK(starttls.verdict == Verdict::fail);
    CHECK(starttls.explanation.find("handshake fails") != std::string::npos);
    CHECK(starttls.details["handshake"] == false);
    CHECK(results.size() == 2);
}

TEST_CASE("TLS 1.0 allowed: tls.versions warns", "[probe][tls][integration]") {
    auto results = probe_tls("legacy");
    INFO(describe(results));
    const auto& versions = find(results, "tls.versions");
    CHECK(versions.verdict == Verdict::warn);
    CHECK(versions.details["accepted"] ==
          nlohmann::json({"TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}));
    CHECK(versions.explanation.find("RFC 8996") != std::string::npos);
    CHECK(find(results, "tls.certificate").verdict == Verdict::pass);
}

TEST_CASE("TLS 1.3 only: passes", "[probe][tls][integration]") {
    auto results = probe_tls("tls13");
    INFO(describe(results));
    const auto& versions = find(results, "tls.versions");
    CHECK(versions.verdict == Verdict::pass);
    CHECK(versions.details["accepted"] == nlohmann::json({"TLSv1.3"}));
    CHECK(find(results, "tls.cipher").details["version"] == "TLSv1.3");
}

TEST_CASE("TLS 1.2 only: passes, notes the missing 1.3, an AEAD cipher with forward secrecy",
          "[probe][tls][integration]") {
    auto results = probe_tls("tls12");
    INFO(describe(results));
    const auto& versions = find(results, "tls.versions");
    CHECK(versions.verdict == Verdict::pass);
    CHECK(versions.explanation.find("TLS 1.3 not offered") != std::string::npos);
    const auto& cipher = find(results, "tls.cipher");
    CHECK(cipher.verdict == Verdict::pass);
    CHECK(cipher.details["version"] == "TLSv1.2");
    CHECK(cipher.details["forward_secrecy"] == true);
    CHECK(cipher.details["aead"] == true);
}

TEST_CASE("a closed port and a garbage server give error with the reason",
          "[probe][tls][integration]") {
    SECTION("connection refused") {
        std::uint16_t port;
        {
            asio::io_context io;
            asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
            port = acceptor.local_endpoint().port();
        }
        ProbeTarget target{"127.0.0.1", "127.0.0.1", port, false};
        auto results = run_group(run_tls_checks, target, test_options());
        INFO(describe(results));
        CHECK(find(results, "tls.starttls").verdict == Verdict::error);
        CHECK(find(results, "tls.starttls").explanation.find("connection refused") !=
              std::string::npos);
        CHECK(find(results, "tls.auth-before-tls").verdict == Verdict::error);
    }
    SECTION("a server that never greets: error after the reply timeout, no hang") {
        asio::io_context server_io;
        asio::ip::tcp::acceptor acceptor(server_io, {asio::ip::make_address("127.0.0.1"), 0});
        std::thread server([&] {
            boost::system::error_code ec;
            asio::ip::tcp::socket socket(server_io);
            acceptor.accept(socket, ec);
            std::this_thread::sleep_for(1500ms);
        });
        ProbeTarget target{"127.0.0.1", "127.0.0.1", acceptor.local_endpoint().port(), false};
        ProbeOptions options = test_options();
        options.timeouts.reply = 300ms;
        const auto started = std::chrono::steady_clock::now();
        auto results = run_group(run_tls_checks, target, options);
        const auto took = std::chrono::steady_clock::now() - started;
        server.join();
        INFO(describe(results));
        CHECK(find(results, "tls.starttls").verdict == Verdict::error);
        CHECK(find(results, "tls.starttls").explanation.find("timed out") != std::string::npos);
        CHECK(took < 1400ms);
    }
    SECTION("garbage greeting") {
        asio::io_context server_io;
        asio::ip::tcp::acceptor acceptor(server_io, {asio::ip::make_address("127.0.0.1"), 0});
        std::thread server([&] {
            boost::system::error_code ec;
            asio::ip::tcp::socket socket(server_io);
            acceptor.accept(socket, ec);
            if (!ec) asio::write(socket, asio::buffer(std::string("HTTP/1.1 400 Bad\r\n\r\n")), ec);
            std::this_thread::sleep_for(200ms);
        });
        ProbeTarget target{"127.0.0.1", "127.0.0.1", acceptor.local_endpoint().port(), false};
        auto results = run_group(run_tls_checks, target, test_options());
        server.join();
        INFO(describe(results));
        CHECK(find(results, "tls.starttls").verdict == Verdict::error);
        CHECK(find(results, "tls.starttls").explanation.find("not an SMTP reply") !=
              std::string::npos);
    }
}

TEST_CASE("DANE against fixture DNS: match, mismatch, none", "[probe][dane][integration]") {
    // TLSA data from the certificate the fake MX presents, as the probe reported it.
    auto good = probe_tls("good");
    const auto& chain = find(good, "tls.certificate").details["chain"];
    REQUIRE(chain.size() >= 1);
    const std::string good_spki = chain[0]["spki_sha256"];
    const std::string good_cert = chain[0]["sha256"];
    auto expired = probe_tls("expired");
    const std::string expired_spki =
        find(expired, "tls.certificate").details["chain"][0]["spki_sha256"];
    const std::string zone =
        "$ORIGIN probe.test.\n$TTL 300\n"
        "@ IN SOA ns.probe.test. hostmaster.probe.test. 1 3600 600 86400 300\n"
        "@ IN NS ns.probe.test.\nns IN A 127.0.0.1\n"
        "_25._tcp.good IN TLSA 3 1 1 " +
        good_spki +
        "\n"
        "_25._tcp.good IN TLSA 3 0 1 " +
        good_cert +
        "\n"
        // The expired host's TLSA names the good host's key: a rollover
        // gone wrong.
        "_25._tcp.expired IN TLSA 3 1 1 " +
        good_spki +
        "\n"
        "_25._tcp.tls13 IN TLSA 3 1 1 " +
        expired_spki + "\n";
    FixtureDns dns(zone);
    const auto config = dns.config();

    auto dane = [&](const std::string& prefix) {
        auto results = run_group(run_dane_checks, target_of(prefix), test_options(), &config);
        REQUIRE(results.size() == 1);
        INFO(describe(results));
        CHECK(results[0].name == "dane");
        return results[0];
    };
    SECTION("matching records, no AD bit: warn, said so") {
        auto result = dane("good");
        CHECK(result.verdict == Verdict::warn);
        CHECK(result.explanation.find("not DNSSEC-validated") != std::string::npos);
        CHECK(result.details["records"].size() == 2);
        CHECK(result.details["records"][0]["matched"] == true);
        CHECK(result.details["records"][1]["matched"] == true);
    }
    SECTION("records that match another key: fail") {
        CHECK(dane("expired").verdict == Verdict::fail);
        CHECK(dane("tls13").verdict == Verdict::fail);
    }
    SECTION("no TLSA records: warn, not deployed") {
        auto result = dane("legacy");
        CHECK(result.verdict == Verdict::warn);
        CHECK(result.explanation.find("DANE not deployed") != std::string::npos);
    }
    SECTION("records but no STARTTLS: error naming why") {
        // plain.probe.test has no TLSA: look it up under a name that has some.
        ProbeTarget target = target_of("plain");
        target.host = host_name("good");
        auto results = run_group(run_dane_checks, target, test_options(), &config);
        CHECK(results.at(0).verdict == Verdict::error);
        CHECK(results.at(0).explanation.find("STARTTLS is not offered") != std::string::npos);
    }
}

TEST_CASE("openssl s_client agrees on the negotiated version and cipher",
          "[probe][tls][integration][interop]") {
    if (!std::filesystem::exists("/usr/bin/openssl")) {
        test::skip_test("openssl (the command) is not installed");
        return;
    }
    for (const char* prefix : {"good", "tls13", "tls12"}) {
        auto results = probe_tls(prefix);
        const auto& cipher = find(results, "tls.cipher");
        const std::string command =
            "timeout 20 /usr/bin/openssl s_client -brief -starttls smtp -connect 127.0.0.1:" +
            std::to_string(world().ports.at(prefix)) + " </dev/null 2>&1";
        std::string output;
        if (FILE* pipe = popen(command.c_str(), "r")) {
            char buffer[4096];
            std::size_t n;
            while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
                output.append(buffer, n);
            pclose(pipe);
        }
        INFO(prefix << ": s_client said:\n" << output);
        CHECK(output.find("Protocol version: " + cipher.details["version"].get<std::string>()) !=
              std::string::npos);
        CHECK(output.find("Ciphersuite: " + cipher.details["cipher"].get<std::string>()) !=
              std::string::npos);
    }
}
