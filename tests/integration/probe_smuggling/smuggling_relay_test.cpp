// "smuggling-outbound" through relaylab's own relay engine: the relay's smarthost is the
// probe's sink, so what it forwards is what the check judges. The relay refuses bare newlines
// at submission (its listener's default), so every look-alike with one passes; the NUL-only
// look-alikes are accepted, forwarded, and judged on what arrived.
#include <catch2/catch.hpp>
#include <filesystem>

#include "harness/relay/engine/relay_engine.hpp"
#include "probe_world.hpp"
#include "probes/policy/smuggling_checks.hpp"
#include "probes/policy/smuggling_variants.hpp"

using relaylab::probe::CheckResult;
using relaylab::probe::smuggling_variants;
using relaylab::probe::to_string;
using relaylab::probe::Verdict;
using namespace relaylab::probe::testing;

namespace {

struct TempDir {
    TempDir() {
        path = std::filesystem::temp_directory_path() /
               ("relaylab-smuggling-" + relaylab::probe::make_smuggling_token());
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    std::filesystem::path path;
};

}  // namespace

TEST_CASE("relaylab's relay forwards no end-of-data look-alike to the sink",
          "[probe][smuggling][relay]") {
    TempDir dir;
    const std::uint16_t sink_port = free_port();
    relaylab::relay::RelayConfig config;
    config.relay_in = relaylab::relay::ListenerSettings{"127.0.0.1", 0, false};
    config.spool = dir.path / "spool";
    config.spool_fsync = false;
    config.smarthost = relaylab::relay::SmarthostRoute{{"127.0.0.1", sink_port}, {}, "none", false};
    config.retry.minimal_backoff = std::chrono::seconds(1);
    config.retry.maximal_backoff = std::chrono::seconds(1);
    relaylab::relay::RelayEngine relay(config);
    relay.start();

    auto options = loopback_options();
    options.sink =
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), sink_port);
    options.sink_rcpt = "probe@sink.relaylab.test";
    options.sink_wait = std::chrono::seconds(15);
    auto results =
        run_group(relaylab::probe::run_outbound_smuggling_checks, relay.relay_in_port(), options);
    relay.stop();

    REQUIRE(results.size() == smuggling_variants().size() + 1);
    CHECK(results.front().name == "smuggling-outbound");
    for (const auto& v : smuggling_variants()) {
        const auto& r = result_named(results, "smuggling-outbound." + std::string(v.name));
        INFO(r.name << ": " << to_string(r.verdict) << " (" << r.explanation << ")");
        // Every look-alike is refused at submission: the bare-newline ones as bare newlines
        // (550 5.5.2), the NUL ones (<CRLF><NUL>.<CRLF>, <CRLF>.<NUL><CRLF>) as look-alikes
        // (550 5.6.0). The NUL one was forwarded unchanged until the probe found it.
        CHECK(r.verdict == Verdict::pass);
        CHECK(r.details["outcome"] == "refused");
    }
}

TEST_CASE("a sink address in use is an error, not a hang", "[probe][smuggling]") {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor taken(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    auto options = loopback_options();
    options.sink = taken.local_endpoint();
    auto results = run_group(relaylab::probe::run_outbound_smuggling_checks, free_port(), options);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::error);
    CHECK_THAT(results[0].explanation, Catch::Contains("the probe's sink: cannot listen on"));
}
