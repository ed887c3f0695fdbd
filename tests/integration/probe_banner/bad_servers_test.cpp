// Servers that misbehave before the probe gets anything useful: one that never greets, one
// that talks HTTP, one that hangs up in the middle of its greeting, one that refuses with 554,
// nobody listening at all. Each gives an `error` (or the 554's `fail`) with the reason, within
// the dialogue's deadlines: never a hang.
#include <catch2/catch.hpp>
#include <functional>
#include <thread>

#include "probe_world.hpp"
#include "probes/policy/banner_checks.hpp"
#include "probes/policy/dns_reputation_checks.hpp"
#include "test_support.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace relaylab::probe::test;
using namespace std::chrono_literals;

namespace {

// One scripted connection on an ephemeral loopback port, served by its own thread.
class ScriptedServer {
  public:
    explicit ScriptedServer(std::function<void(relaylab::test::RawSocket&)> script)
        : thread_([this, script = std::move(script)] {
              try {
                  auto socket = listener_.accept(10s);
                  script(socket);
              } catch (const std::exception&) {
                  // No client came (the test failed elsewhere): nothing to serve.
              }
          }) {}
    ~ScriptedServer() { thread_.join(); }
    std::uint16_t port() const { return listener_.port(); }

  private:
    relaylab::test::RawListener listener_;
    std::thread thread_;
};

ProbeOptions short_waits() {
    ProbeOptions options = loopback_options();
    options.timeouts.reply = 700ms;
    return options;
}

}  // namespace

TEST_CASE("a server that never sends a banner", "[probe][banner][bad]") {
    FixtureDns dns;
    ScriptedServer server([](auto& socket) { socket.closed_by_peer(10s); });
    const GroupRun run = run_group(run_banner_checks, dns,
                                   loopback_target("127.0.0.1", server.port()), short_waits());
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].name == "banner");
    CHECK(run.results[0].verdict == Verdict::error);
    CHECK(run.results[0].explanation.find("timed out waiting for a reply") != std::string::npos);
    CHECK(run.elapsed < 5s);
}

TEST_CASE("a server that sends garbage", "[probe][banner][bad]") {
    FixtureDns dns;
    ScriptedServer server([](auto& socket) {
        socket.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        socket.closed_by_peer(10s);
    });
    const GroupRun run =
        run_group(run_banner_checks, dns, loopback_target("127.0.0.1", server.port()));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].verdict == Verdict::error);
    CHECK(run.results[0].explanation.find("not an SMTP reply") != std::string::npos);
    // The garbage is in the evidence, made printable.
    bool seen = false;
    for (const auto& line : run.results[0].evidence)
        seen |= line.find("HTTP/1.1 400") != std::string::npos;
    CHECK(seen);
}

TEST_CASE("a server that closes in the middle of its greeting", "[probe][banner][bad]") {
    FixtureDns dns;
    ScriptedServer server(
        [](auto& socket) { socket.send("220-mx.example.test ESMTP\r\n220-wait"); });
    const GroupRun run =
        run_group(run_banner_checks, dns, loopback_target("127.0.0.1", server.port()));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].verdict == Verdict::error);
    CHECK(run.results[0].explanation.find("closed by the server (in the middle of a reply)") !=
          std::string::npos);
}

TEST_CASE("a server that closes in the middle of its EHLO reply", "[probe][banner][bad]") {
    FixtureDns dns;
    ScriptedServer server([](auto& socket) {
        socket.send("220 mx.example.test ESMTP\r\n");
        socket.read_until("\r\n");
        socket.send("250-mx.example.test\r\n250-PIPE");
    });
    const GroupRun run =
        run_group(run_banner_checks, dns, loopback_target("127.0.0.1", server.port()));
    INFO(describe(run.results));
    CHECK(run.find("banner")->verdict == Verdict::pass);
    const CheckResult* ehlo = run.find("banner.ehlo");
    REQUIRE(ehlo);
    CHECK(ehlo->verdict == Verdict::error);
    CHECK(ehlo->explanation.find("in the middle of a reply") != std::string::npos);
}

TEST_CASE("a server that refuses with 554", "[probe][banner][bad]") {
    FixtureDns dns;
    ScriptedServer server([](auto& socket) {
        socket.send("554 5.7.1 mx.example.test no SMTP service for you\r\n");
        if (socket.read_until("QUIT\r\n").find("QUIT") != std::string::npos) {
            socket.send("221 2.0.0 Bye\r\n");
        }
    });
    const GroupRun run =
        run_group(run_banner_checks, dns, loopback_target("127.0.0.1", server.port()));
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].verdict == Verdict::fail);
    CHECK(run.results[0].explanation.find("refuses connections") != std::string::npos);
}

TEST_CASE("limits against a server that greets and stalls", "[probe][limits][bad]") {
    FixtureDns dns;
    ScriptedServer server([](auto& socket) {
        socket.send("220 mx.example.test ESMTP\r\n");
        socket.closed_by_peer(10s);
    });
    const GroupRun run = run_group(run_limits_checks, dns,
                                   loopback_target("127.0.0.1", server.port()), short_waits());
    INFO(describe(run.results));
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].name == "limits");
    CHECK(run.results[0].verdict == Verdict::error);
    CHECK(run.results[0].explanation.find("timed out") != std::string::npos);
    CHECK(run.elapsed < 5s);
}

TEST_CASE("nobody listening", "[probe][banner][bad]") {
    FixtureDns dns;
    std::uint16_t port = 0;
    {
        relaylab::test::RawListener listener;  // bound, then closed: nothing listens there now
        port = listener.port();
    }
    for (auto group : {run_banner_checks, run_limits_checks}) {
        const GroupRun run = run_group(group, dns, loopback_target("127.0.0.1", port));
        INFO(describe(run.results));
        REQUIRE(run.results.size() == 1);
        CHECK(run.results[0].verdict == Verdict::error);
        CHECK(run.results[0].explanation.find("connection refused") != std::string::npos);
    }
}
