// One-click unsubscribe and per-sender quotas through a live relay (see CMakeLists.txt). The
// scenario, in order, as a recipient and a sender would live it:
//   a single-recipient message arrives with List-Unsubscribe + List-Unsubscribe-Post, signed;
//   a link scanner GETs the URL: a form, nobody unsubscribed, mail still flows;
//   a forged token is 404, a PUT 405; the RFC 8058 POST is 200; then RCPT is 550 5.7.1;
//   the relay restarted on the same spool still refuses the address and honours old tokens;
//   with a quota of 3 per hour the fourth MAIL gets 451 4.7.1, the null sender never does.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "fake-mx/receiver/fake_mx.hpp"
#include "harness/relay/engine/relay_engine.hpp"
#include "probes/auth/message_headers.hpp"
#include "tests/catch_main.hpp"
#include "tests/conformance/dkim/dkim_test_support.hpp"
#include "tests/lib/temp_dir.hpp"

namespace relay = relaylab::relay;
namespace fakemx = relaylab::fakemx;
namespace auth = relaylab::auth;
using relaylab::auth::test::ProcessOutput;
using relaylab::auth::test::run_capture;
using relaylab::auth::test::shell_quote;
using relaylab::testing::TempDir;

namespace {

// Every peer runs under timeout(1): a hung peer fails the test instead of hanging it.
constexpr const char* peer_timeout = "timeout 30 ";
constexpr std::chrono::seconds delivery_wait{30};

std::string run_peer(const std::string& command) {
    ProcessOutput result = run_capture(peer_timeout + command + " 2>&1");
    return "exit " + std::to_string(result.status) + "\n" + result.out;
}

std::string missing_peer() {
    for (const char* peer : {"/usr/bin/swaks", "/usr/bin/curl", "/usr/bin/openssl"}) {
        if (!std::filesystem::exists(peer)) return std::string(peer) + " is not installed";
    }
    if (!auth::test::have_debian_python_module("dkim"))
        return "/usr/bin/python3 cannot import dkim (Debian package python3-dkim)";
    return {};
}

struct World {
    TempDir dir{"relay-engagement"};
    fakemx::FakeMx mx{mx_config()};
    std::filesystem::path key_file = dir.path / "dkim.pem";
    std::string dkim_record;  // the TXT record of s1._domainkey.shop.test

    World() {
        mx.start();
        // RSA: dkimpy verifies it without PyNaCl.
        run_capture("openssl genrsa -out " + key_file.string() + " 2048 2>/dev/null");
        auto der = run_capture("openssl rsa -in " + key_file.string() +
                               " -pubout -outform DER 2>/dev/null | base64 -w0");
        dkim_record = "v=DKIM1; k=rsa; p=" + der.out;
    }
    ~World() { mx.stop(); }

    static fakemx::FakeMxConfig mx_config() {
        fakemx::FakeMxConfig config;
        fakemx::HostConfig host;
        host.name = "mx.test";
        config.hosts.push_back(std::move(host));
        config.transcripts = false;
        return config;
    }

    relay::RelayConfig relay_config(std::vector<relay::SenderQuota> quotas = {}) const {
        relay::RelayConfig config;
        config.relay_in = relay::ListenerSettings{"127.0.0.1", 0, false};
        config.spool = dir.path / "spool";
        config.spool_fsync = false;  // the suppression list fsyncs regardless
        config.smarthost = relay::SmarthostRoute{{"127.0.0.1", mx.port(0)}, {}, "none", false};
        config.retry.minimal_backoff = std::chrono::seconds(1);
        config.retry.maximal_backoff = std::chrono::seconds(1);
        config.dkim.push_back({"shop.test", "s1", key_file});
        config.unsubscribe = relay::UnsubscribeSettings{};
        config.quotas = std::move(quotas);
        return config;
    }

    // swaks' transcript of one transaction to the relay.
    std::string send(std::uint16_t port, const std::string& from, const std::string& to,
                     const std::string& subject) const {
        return run_peer("swaks --server 127.0.0.1 --port " + std::to_string(port) + " --from " +
                        shell_quote(from) + " --to " + shell_quote(to) + " --h-From " +
                        shell_quote("Shop <news@shop.test>") + " --h-Subject " +
                        shell_quote(subject) + " --timeout 20");
    }

    // The raw message the fake MX received with this subject, waiting for delivery.
    std::string delivered(const std::string& subject) {
        auto deadline = std::chrono::steady_clock::now() + delivery_wait;
        fakemx::capture::MessageFilter filter;
        filter.subject = subject;
        while (std::chrono::steady_clock::now() < deadline) {
            auto page = mx.store().query(filter, 0, 1);
            if (!page.messages.empty()) return mx.store().raw(page.messages.front().id).content;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        FAIL("no message with subject " << subject << " reached the fake MX in "
                                        << delivery_wait.count() << "s");
        return {};
    }

    std::string curl(const std::filesystem::path& ca, const std::string& args) const {
        return run_peer("curl -sS --max-time 20 --cacert " + shell_quote(ca.string()) +
                        " -w '\\nstatus=%{http_code}\\n' " + args);
    }
};

// The unfolded value of the first field `name` in the header section of `message`.
std::optional<std::string> field(const std::string& message, std::string_view name) {
    auto parsed = auth::parse_message(message);
    if (!parsed.message) return std::nullopt;
    for (const auto& f : parsed.message->headers)
        if (auth::iequals(f.name(), name)) return auth::unfold(std::string(f.value()));
    return std::nullopt;
}

// h= of a DKIM-Signature value, lower-cased names.
std::vector<std::string> signed_names(const std::string& signature) {
    std::vector<std::string> names;
    std::string compact;
    for (char c : signature)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact += c;
    auto h = compact.find(";h=");
    if (h == std::string::npos) return names;
    std::string list = compact.substr(h + 3, compact.find(';', h + 3) - h - 3);
    std::size_t start = 0;
    while (start <= list.size()) {
        auto colon = list.find(':', start);
        names.push_back(auth::to_lower(list.substr(start, colon - start)));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return names;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST_CASE("one-click unsubscribe through the relay, and quotas", "[relay][engagement][interop]") {
    if (auto why = missing_peer(); !why.empty()) {
        relaylab::test::skip_test(why);
        return;
    }
    World world;
    REQUIRE(world.dkim_record.size() > 100);
    std::string url;
    std::filesystem::path ca;
    {
        relay::RelayEngine engine(world.relay_config());
        engine.start();
        const auto port = engine.relay_in_port();
        const std::string base = engine.unsubscribe_base_url();
        ca = engine.unsubscribe_ca_file();
        INFO("endpoint " << base << ", CA " << ca);
        REQUIRE(base.starts_with("https://127.0.0.1:"));
        REQUIRE(std::filesystem::exists(ca));

        // 1. The fields, on a single-recipient message, signed.
        std::string sent = world.send(port, "news@shop.test", "alice@example.test", "offer-1");
        INFO(sent);
        REQUIRE_THAT(sent, Catch::Contains("250 2.0.0 Ok: queued as"));
        std::string message = world.delivered("offer-1");
        INFO(message);
        auto list_unsubscribe = field(message, "List-Unsubscribe");
        REQUIRE(list_unsubscribe);
        std::string value(auth::trim_wsp(*list_unsubscribe));
        REQUIRE(value.starts_with("<" + base + "/u/"));
        REQUIRE(value.ends_with(">"));
        url = value.substr(1, value.size() - 2);
        CHECK(field(message, "List-Unsubscribe-Post") == " List-Unsubscribe=One-Click");
        auto signature = field(message, "DKIM-Signature");
        REQUIRE(signature);
        auto names = signed_names(*signature);
        CHECK(contains(names, "list-unsubscribe"));
        CHECK(contains(names, "list-unsubscribe-post"));
        // dkimpy agrees the signature (covering both fields) verifies.
        world.dir.write("offer-1.eml", message);
        world.dir.write("s1.txt", world.dkim_record);
        std::string verdict =
            run_peer("/usr/bin/python3 -c " +
                     shell_quote("import dkim,sys; rec=open(sys.argv[2],'rb').read(); "
                                 "print(dkim.verify(open(sys.argv[1],'rb').read(), "
                                 "dnsfunc=lambda name, timeout=5: rec))") +
                     " " + (world.dir.path / "offer-1.eml").string() + " " +
                     (world.dir.path / "s1.txt").string());
        CHECK_THAT(verdict, Catch::Contains("True"));

        // Several recipients: the URL would name one of them, so no fields.
        sent = world.send(port, "news@shop.test", "bob@example.test,carol@example.test", "list-1");
        REQUIRE_THAT(sent, Catch::Contains("250 2.0.0 Ok: queued as"));
        CHECK_FALSE(field(world.delivered("list-1"), "List-Unsubscribe"));

        // 2. A link scanner's GET: a form page, nobody unsubscribed, mail still accepted.
        std::string page = world.curl(ca, shell_quote(url));
        INFO(page);
        CHECK_THAT(page, Catch::Contains("status=200"));
        CHECK_THAT(page, Catch::Contains("<form method=\"post\""));
        CHECK_THAT(world.send(port, "news@shop.test", "alice@example.test", "offer-2"),
                   Catch::Contains("250 2.0.0 Ok: queued as"));
        CHECK(engine.engagement_stats()["unsubscribe"]["unsubscribed"] == 0);

        // 3. Forged and edited tokens, another method.
        std::string forged = url.substr(0, url.size() - 4) + "AAAA";
        CHECK_THAT(world.curl(ca, "-d List-Unsubscribe=One-Click " + shell_quote(forged)),
                   Catch::Contains("status=404"));
        std::string put = world.curl(ca, "-X PUT " + shell_quote(url));
        CHECK_THAT(put, Catch::Contains("status=405"));

        // 4. The RFC 8058 POST, verified against the relay's CA for 127.0.0.1.
        std::string posted = world.curl(ca, "-d List-Unsubscribe=One-Click " + shell_quote(url));
        INFO(posted);
        CHECK_THAT(posted, Catch::Contains("status=200"));
        CHECK_THAT(posted, Catch::Contains("alice@example.test is unsubscribed"));

        // 5. Mail to her is refused at RCPT, in any spelling; others still flow.
        sent = world.send(port, "news@shop.test", "Alice@Example.TEST", "offer-3");
        INFO(sent);
        CHECK_THAT(sent, Catch::Contains("550 5.7.1 Alice@Example.TEST: recipient has "
                                         "unsubscribed (suppression list)"));
        CHECK_THAT(world.send(port, "news@shop.test", "bob@example.test", "offer-4"),
                   Catch::Contains("250 2.0.0 Ok: queued as"));
        auto stats = engine.engagement_stats()["unsubscribe"];
        INFO(stats.dump());
        CHECK(stats["unsubscribed"] == 1);
        CHECK(stats["bad_token"] == 1);
        CHECK(stats["forms"] == 1);
        CHECK(stats["refused_rcpts"] == 1);
        CHECK(stats["suppressed"] == 1);
        engine.stop();
    }

    // 6. Restarted on the same spool, with a quota of 3 per hour for every sender.
    relay::RelayEngine engine(world.relay_config({{"*", 3, std::chrono::hours(1)}}));
    engine.start();
    const auto port = engine.relay_in_port();
    std::string sent = world.send(port, "news@shop.test", "alice@example.test", "offer-5");
    INFO(sent);
    CHECK_THAT(sent, Catch::Contains("550 5.7.1"));
    // The old token still opens (one key per spool); the endpoint moved to a new port.
    std::string again_url = engine.unsubscribe_base_url() + url.substr(url.find("/u/"));
    CHECK_THAT(world.curl(engine.unsubscribe_ca_file(),
                          "-d List-Unsubscribe=One-Click " + shell_quote(again_url)),
               Catch::Contains("alice@example.test was already unsubscribed"));

    // 7. Quota: three accepted, the fourth MAIL deferred; the null sender never limited.
    for (int i = 0; i < 3; ++i) {
        CHECK_THAT(
            world.send(port, "promo@quota.test", "bob@example.test", "quota-" + std::to_string(i)),
            Catch::Contains("250 2.0.0 Ok: queued as"));
    }
    sent = world.send(port, "promo@quota.test", "bob@example.test", "quota-3");
    INFO(sent);
    CHECK_THAT(sent, Catch::Contains("451 4.7.1 promo@quota.test: sending quota of 3 messages "
                                     "per 1h reached; try again in "));
    for (int i = 0; i < 4; ++i) {
        CHECK_THAT(world.send(port, "<>", "bob@example.test", "bounce-" + std::to_string(i)),
                   Catch::Contains("250 2.0.0 Ok: queued as"));
    }
    auto quotas = engine.engagement_stats()["quotas"];
    INFO(quotas.dump());
    CHECK(quotas["refused"] == 1);
    CHECK(quotas["by_sender"]["promo@quota.test"] == 1);
    engine.stop();
}
