// The gmail preset end to end: a FakeMx with verdicts from the fixture DNS (SPF, a DKIM key,
// DMARC p=reject for example.test; PTRs for 127.0.0.1 and 127.0.0.3, none for 127.0.0.2),
// receiving mail from swaks (a real SMTP client) bound to those source addresses. Asserts the
// reply at end of data, the placement in the capture store and the API's JSON, and
// ReceiverEvent::placement through an observer.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "fake-mx/capture/capture_json.hpp"
#include "fake-mx/dns-fixture/server.hpp"
#include "fake-mx/receiver/fake_mx.hpp"
#include "probes/auth/dkim_crypto.hpp"
#include "probes/auth/dkim_sign.hpp"
#include "tests/catch_main.hpp"

using namespace relaylab;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// RFC 8032 7.1 TEST 1's Ed25519 key: every run signs alike.
const auth::PrivateKey& signing_key() {
    static const auth::PrivateKey key = *auth::PrivateKey::from_ed25519_seed(std::string(
        "\x9d\x61\xb1\x9d\xef\xfd\x5a\x60\xba\x84\x4a\xf4\x92\xec\x2c\xc4\x44\x49\xc5\x69\x7b"
        "\x32\x69\x19\x70\x3b\xac\x03\x1c\xae\x7f\x60",
        32));
    return key;
}

// 127.0.0.1 and .2 may send for example.test; .3 may not. .1 and .3 have forward-confirmed
// PTRs; .2 has none.
std::string sender_zone() {
    return "$ORIGIN example.test.\n$TTL 300\n"
           "@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300\n"
           "@ IN NS ns.example.test.\nns IN A 127.0.0.1\n"
           "@ IN TXT \"v=spf1 ip4:127.0.0.1 ip4:127.0.0.2 -all\"\n"
           "_dmarc IN TXT \"v=DMARC1; p=reject\"\n"
           "s1._domainkey IN TXT \"v=DKIM1; k=ed25519; p=" +
           signing_key().public_key_base64() +
           "\"\n"
           "out1 IN A 127.0.0.1\nout3 IN A 127.0.0.3\n";
}

constexpr const char* reverse_zone = R"(
$ORIGIN 127.in-addr.arpa.
$TTL 300
@        IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
         IN NS  ns.example.test.
1.0.0    IN PTR out1.example.test.
3.0.0    IN PTR out3.example.test.
)";

class FixtureDns {
  public:
    FixtureDns() {
        dns::fixture::ZoneSet zones;
        zones.add(dns::fixture::load_zone_text(sender_zone(), "example.test.zone"));
        zones.add(dns::fixture::load_zone_text(reverse_zone, "127.in-addr.arpa.zone"));
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
        config.timeout = 2s;
        return config;
    }

  private:
    asio::io_context io_;
    std::unique_ptr<dns::fixture::FixtureServer> server_;
    std::thread thread_;
};

std::string message(int n) {
    return "From: Alice <alice@example.test>\r\nTo: bob@gmail.test\r\nSubject: note " +
           std::to_string(n) + "\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <" +
           std::to_string(n) + "@example.test>\r\n\r\nHello Bob.\r\n";
}

std::string signed_message(int n) {
    auth::DkimSignOptions options;
    options.domain = "example.test";
    options.selector = "s1";
    std::string text = message(n);
    auto result = auth::dkim_sign(text, signing_key(), options);
    REQUIRE(result.ok());
    return result.field + text;
}

// What an observer saw at end of data, copied out of the call.
struct SeenEvent {
    fakemx::ReceiverEvent::Kind kind;
    unsigned code = 0;
    bool has_placement = false;
    std::string provider, placement, reason, from_domain;
};

struct World {
    FixtureDns dns;
    std::mutex mutex;
    std::vector<SeenEvent> events;
    std::unique_ptr<fakemx::FakeMx> mx;
    std::filesystem::path dir;

    World() {
        dir = std::filesystem::temp_directory_path() /
              ("relaylab-placement-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        fakemx::FakeMxConfig config;
        config.auth_dns = dns.config();
        fakemx::HostConfig gmail{"mx.gmail.test", "127.0.0.1", 0, fakemx::load_behaviour("gmail")};
        // The same policy with a bulk threshold a test can reach and a small daily volume.
        fakemx::Behaviour small = fakemx::load_behaviour("gmail");
        small.provider->bulk_threshold = 2;
        small.provider->bulk.tls = false;  // swaks sends in the clear here
        small.provider->volume = {placement::VolumeRule{placement::VolumeKey::from_domain, 4,
                                                        std::chrono::hours(24),
                                                        small.provider->volume.at(0).reply}};
        fakemx::HostConfig bulk{"mx.bulk.test", "127.0.0.1", 0, std::move(small)};
        // The preset's complaint rule judged after 2 inbox messages instead of 1000.
        fakemx::Behaviour complaints = fakemx::load_behaviour("gmail");
        complaints.provider->complaints->min_messages = 2;
        fakemx::HostConfig complained{"mx.complaints.test", "127.0.0.1", 0, std::move(complaints)};
        config.hosts = {std::move(gmail), std::move(bulk), std::move(complained)};
        config.api = fakemx::ApiListen{};
        config.observer = [this](const fakemx::ReceiverEvent& event) {
            if (event.phase != smtp::Phase::data_end) return;
            SeenEvent seen{event.kind, event.code, event.placement != nullptr, {}, {}, {}, {}};
            if (event.placement) {
                seen.provider = event.placement->provider;
                seen.placement = placement::to_string(event.placement->placement);
                seen.reason = event.placement->reason;
                seen.from_domain = event.placement->from_domain;
            }
            std::lock_guard lock(mutex);
            events.push_back(std::move(seen));
        };
        mx = std::make_unique<fakemx::FakeMx>(std::move(config));
        mx->start();
    }
    ~World() {
        mx->stop();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }

    // swaks from `source` to host `host`; returns its transcript.
    std::string send(std::size_t host, const char* source, const std::string& data) {
        static int counter = 0;
        auto file = dir / ("message-" + std::to_string(++counter) + ".eml");
        std::ofstream(file, std::ios::binary) << data;
        std::string command = "timeout 60 swaks --server 127.0.0.1 --port " +
                              std::to_string(mx->port(host)) + " --local-interface " + source +
                              " --helo out.example.test --from alice@example.test"
                              " --to bob@gmail.test --timeout 30 --data " +
                              file.string() + " 2>&1";
        std::string output;
        if (FILE* pipe = popen(command.c_str(), "r")) {
            char buffer[4096];
            std::size_t n;
            while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
                output.append(buffer, n);
            pclose(pipe);
        }
        return output;
    }

    SeenEvent last_event() {
        std::lock_guard lock(mutex);
        REQUIRE_FALSE(events.empty());
        return events.back();
    }

    // The newest capture's placement as the API's summary gives it.
    nlohmann::json last_placement() {
        auto page = mx->store().query({}, 0, 1);
        REQUIRE_FALSE(page.messages.empty());
        return fakemx::capture::message_summary_json(page.messages.front())["placement"];
    }
};

bool have_swaks() {
    return std::system("swaks --version >/dev/null 2>&1") == 0;
}

// swaks marks the server's error replies "<** 550 5.7.26 ..." and good ones "<-  250 ...".
bool replied(const std::string& transcript, const std::string& reply) {
    return transcript.find("<** " + reply) != std::string::npos ||
           transcript.find("<-  " + reply) != std::string::npos;
}

}  // namespace

TEST_CASE("gmail preset: replies, captured placement and events", "[placement][gmail]") {
    if (!have_swaks()) {
        test::skip_test("swaks is not installed (apt-get install swaks)");
        return;
    }
    World world;

    SECTION("signed and SPF-passing mail from a host with FCrDNS goes to the inbox") {
        std::string t = world.send(0, "127.0.0.1", signed_message(1));
        INFO(t);
        CHECK(replied(t, "250 "));
        nlohmann::json p = world.last_placement();
        INFO(p.dump());
        CHECK(p["provider"] == "gmail");
        CHECK(p["placement"] == "inbox");
        CHECK(p["reason"] == "");
        CHECK(p["spam"].is_null());
        SeenEvent e = world.last_event();
        CHECK(e.kind == fakemx::ReceiverEvent::Kind::accepted);
        REQUIRE(e.has_placement);
        CHECK(e.provider == "gmail");
        CHECK(e.placement == "inbox");
        CHECK(e.from_domain == "example.test");
        CHECK(world.mx->stats()["hosts"][0]["placement"]["inbox"] == 1);
    }
    SECTION("a small sender with SPF alone is in the inbox too") {
        std::string t = world.send(0, "127.0.0.1", message(2));
        INFO(t);
        CHECK(replied(t, "250 "));
        CHECK(world.last_placement()["placement"] == "inbox");
    }
    SECTION("no PTR for the sending IP: 550 5.7.25") {
        std::string t = world.send(0, "127.0.0.2", signed_message(3));
        INFO(t);
        CHECK(replied(t, "550 5.7.25 "));
        SeenEvent e = world.last_event();
        CHECK(e.kind == fakemx::ReceiverEvent::Kind::refused);
        CHECK(e.code == 550);
        REQUIRE(e.has_placement);
        CHECK(e.placement == "rejected");
        CHECK(e.reason.find("no forward-confirmed PTR for 127.0.0.2") != std::string::npos);
        CHECK(world.mx->store().counts().messages_total == 0);
    }
    SECTION("unauthenticated: 550 5.7.26") {
        std::string t = world.send(0, "127.0.0.3", message(4));
        INFO(t);
        CHECK(replied(t,
                      "550 5.7.26 This mail has been blocked because the sender is "
                      "unauthenticated."));
        SeenEvent e = world.last_event();
        CHECK(e.placement == "rejected");
        CHECK(e.reason.find("unauthenticated") != std::string::npos);
        CHECK(world.mx->stats()["hosts"][0]["placement"]["rejected"] == 1);
    }
}

TEST_CASE("gmail policy for bulk senders and volume", "[placement][gmail][bulk]") {
    if (!have_swaks()) {
        test::skip_test("swaks is not installed (apt-get install swaks)");
        return;
    }
    World world;
    // Two messages make example.test a bulk sender of host 1.
    for (int i = 1; i <= 2; ++i) {
        std::string t = world.send(1, "127.0.0.1", signed_message(i));
        INFO(t);
        REQUIRE(replied(t, "250 "));
        CHECK(world.last_placement()["placement"] == "inbox");
    }
    {
        // SPF alone no longer does: bulk senders need DKIM.
        std::string t = world.send(1, "127.0.0.1", message(3));
        INFO(t);
        CHECK(replied(t, "550 5.7.30 "));
        SeenEvent e = world.last_event();
        CHECK(e.reason == "bulk sender: DKIM did not pass (dkim=none)");
    }
    for (int i = 4; i <= 5; ++i) {
        // Signed, but without one-click unsubscribe: accepted into the spam folder.
        std::string t = world.send(1, "127.0.0.1", signed_message(i));
        INFO(t);
        CHECK(replied(t, "250 "));
        nlohmann::json p = world.last_placement();
        INFO(p.dump());
        CHECK(p["placement"] == "spam");
        CHECK(p["list_unsubscribe"] == false);
        CHECK(p["reason"].get<std::string>().find("one-click") != std::string::npos);
        CHECK(world.last_event().placement == "spam");
    }
    {
        // Four accepted today: the fifth is rate limited, and the connection closed.
        std::string t = world.send(1, "127.0.0.1", signed_message(6));
        INFO(t);
        CHECK(replied(t, "421 4.7.28 "));
        CHECK(t.find("your domain example.test") != std::string::npos);
        SeenEvent e = world.last_event();
        CHECK(e.placement == "deferred");
        CHECK(e.code == 421);
    }
    nlohmann::json counts = world.mx->stats()["hosts"][1]["placement"];
    CHECK(counts == nlohmann::json{{"inbox", 2}, {"spam", 2}, {"rejected", 1}, {"deferred", 1}});
}

TEST_CASE("complaints reported to a host defer the From domain past the rate",
          "[placement][gmail][complaints]") {
    if (!have_swaks()) {
        test::skip_test("swaks is not installed (apt-get install swaks)");
        return;
    }
    World world;
    for (int i = 1; i <= 2; ++i) {
        std::string t = world.send(2, "127.0.0.1", signed_message(i));
        INFO(t);
        REQUIRE(replied(t, "250 "));
        CHECK(world.last_placement()["placement"] == "inbox");
    }
    // One complaint of two inbox messages: 50 %, over Gmail's 0.3 %.
    world.mx->report_complaint("mx.complaints.test", "example.test");
    // Hosts that did not file it, or do not exist, are not affected.
    world.mx->report_complaint("mx.gmail.test", "example.test");
    world.mx->report_complaint("mx.nowhere.test", "example.test");
    std::string t = world.send(2, "127.0.0.1", signed_message(3));
    INFO(t);
    CHECK(replied(t, "421 4.7.28 "));
    CHECK(t.find("your domain example.test") != std::string::npos);
    SeenEvent e = world.last_event();
    CHECK(e.placement == "deferred");
    CHECK(e.reason.rfind("complaints: 1 of 2 inbox messages", 0) == 0);
    // The gmail preset judges only after 1000 inbox messages: one complaint changes nothing.
    std::string g = world.send(0, "127.0.0.1", signed_message(4));
    INFO(g);
    CHECK(replied(g, "250 "));
    nlohmann::json stats = world.mx->stats();
    CHECK(stats["hosts"][2]["complaints"] == 1);
    CHECK(stats["hosts"][0]["complaints"] == 1);
    CHECK(stats["hosts"][1]["complaints"] == 0);
}
