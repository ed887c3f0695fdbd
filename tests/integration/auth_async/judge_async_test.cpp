// auth::judge() over relaylab's async resolver against the fixture DNS server on 127.0.0.1
// (ephemeral port, its own io thread): a DKIM-signed message judged end to end, SERVFAIL
// faults turned into temperror, and a dropped query that ends within the time budget rather
// than the resolver's own (longer) deadline.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "fake-mx/dns-fixture/server.hpp"
#include "harness/dns/resolver.hpp"
#include "harness/log/spawn_handler.hpp"
#include "probes/auth/async/judge_async.hpp"
#include "probes/auth/verdict_format.hpp"
#include "tests/unit/auth_policy/judge_fixture.hpp"

using namespace relaylab;
using namespace relaylab::auth;
using namespace relaylab::auth::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Far beyond what loopback needs; a test that hits it has hung.
constexpr auto test_deadline = 20s;

// The fixture DNS server for example.test, on its own io thread.
class FixtureDns {
  public:
    explicit FixtureDns(const char* rules_json = "[]") {
        dns::fixture::ZoneSet zones;
        zones.add(dns::fixture::load_zone_text(sender_zone_text(), "example.test.zone"));
        server_ = std::make_unique<dns::fixture::FixtureServer>(
            io_.get_executor(),
            dns::fixture::Fixture(std::move(zones), dns::fixture::parse_fault_rules(
                                                        nlohmann::json::parse(rules_json))),
            "127.0.0.1", 0);
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
    dns::ResolverConfig config(std::chrono::milliseconds try_timeout = 500ms) const {
        auto config = dns::ResolverConfig::fixture("127.0.0.1", server_->port());
        config.timeout = try_timeout;
        config.tries = 1;
        return config;
    }

  private:
    asio::io_context io_;
    std::unique_ptr<dns::fixture::FixtureServer> server_;
    std::thread thread_;
};

struct Judged {
    Verdicts verdicts;
    std::chrono::milliseconds elapsed{0};
    std::uint64_t resolver_lookups = 0;
};

// Judges on a fresh io_context run by this thread, with a bound on the whole run.
Judged judge_over(const FixtureDns& fixture, JudgeInput input, JudgeOptions options = {},
                  std::chrono::milliseconds try_timeout = 500ms) {
    asio::io_context io;
    dns::Resolver resolver(io.get_executor(), fixture.config(try_timeout));
    std::optional<Verdicts> result;
    std::exception_ptr error;
    const auto start = std::chrono::steady_clock::now();
    asio::co_spawn(io, judge(resolver, std::move(input), std::move(options)),
                   [&](std::exception_ptr e, Verdicts v) {
                       error = e;
                       if (!e) result = std::move(v);
                   });
    io.run_for(test_deadline);
    Judged out;
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (error) std::rethrow_exception(error);
    REQUIRE(result);
    out.verdicts = std::move(*result);
    out.resolver_lookups = resolver.stats().lookups;
    return out;
}

}  // namespace

TEST_CASE("async judge: a DKIM-signed message passes everything", "[judge][async]") {
    FixtureDns fixture;
    Judged judged = judge_over(fixture, input_for(signed_message()));
    const Verdicts& v = judged.verdicts;
    INFO(to_compact_json(v));
    CHECK(v.spf.result == SpfResult::pass);
    REQUIRE(v.dkim.size() == 1);
    CHECK(v.dkim[0].result == DkimResult::pass);
    CHECK(v.dmarc.result == DmarcResult::pass);
    CHECK(v.arc.result == ArcResult::none);
    CHECK_FALSE(v.dns_budget_exhausted);
    CHECK(judged.resolver_lookups == 3);
    CHECK(authentication_results_field(v).find("dkim=pass") != std::string::npos);
}

TEST_CASE("async judge: forged origin fails DMARC with policy reject", "[judge][async]") {
    FixtureDns fixture;
    std::string message = signed_message();
    message.replace(message.find("Hello Bob."), 10, "Hello Eve.");
    const Verdicts v = judge_over(fixture, input_for(message, foreign_ip)).verdicts;
    CHECK(v.spf.result == SpfResult::fail);
    CHECK(v.dkim.at(0).result == DkimResult::fail);
    CHECK(v.dmarc.result == DmarcResult::fail);
    CHECK(v.dmarc.policy == DmarcPolicy::reject);
}

TEST_CASE("async judge: SERVFAIL faults give temperror", "[judge][async][faults]") {
    FixtureDns fixture(R"([{"name": "s1._domainkey.example.test", "action": "servfail"},
                          {"name": "_dmarc.example.test", "action": "servfail"}])");
    const Verdicts v = judge_over(fixture, input_for(signed_message())).verdicts;
    CHECK(v.spf.result == SpfResult::pass);
    REQUIRE(v.dkim.size() == 1);
    CHECK(v.dkim[0].result == DkimResult::temperror);
    CHECK(v.dkim[0].reason.find("SERVFAIL") != std::string::npos);
    CHECK(v.dmarc.result == DmarcResult::temperror);
    CHECK(summarize(v).dmarc == "temperror");
}

TEST_CASE("async judge: a dropped query ends within the time budget", "[judge][async][faults]") {
    FixtureDns fixture(R"([{"name": "example.test", "action": "drop"}])");
    JudgeOptions options;
    options.time_budget = 300ms;
    // The resolver alone would wait 5 s for the dropped SPF query.
    Judged judged = judge_over(fixture, input_for(signed_message()), options, 5000ms);
    const Verdicts& v = judged.verdicts;
    CHECK(judged.elapsed >= 300ms);
    CHECK(judged.elapsed < 2000ms);
    CHECK(v.dns_budget_exhausted);
    CHECK(v.spf.result == SpfResult::temperror);
    CHECK(v.spf.reason.find("timeout") != std::string::npos);
    CHECK(v.dkim.at(0).result == DkimResult::pass);  // answered before the budget ran out
    CHECK(v.dmarc.result == DmarcResult::temperror);
}

TEST_CASE("async judge: cancelled by its caller, it still returns verdicts", "[judge][async]") {
    using namespace asio::experimental::awaitable_operators;
    FixtureDns fixture(R"([{"name": "example.test", "action": "drop"}])");
    asio::io_context io;
    dns::Resolver resolver(io.get_executor(), fixture.config(5000ms));
    std::optional<Verdicts> verdicts;
    bool timer_won = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(co_await asio::this_coro::executor, 200ms);
            auto raced = co_await (judge(resolver, input_for(signed_message())) ||
                                   timer.async_wait(asio::use_awaitable));
            if (raced.index() == 0) verdicts = std::get<0>(std::move(raced));
            timer_won = raced.index() == 1;
        },
        log::spawn_handler("test.race"));
    const auto start = std::chrono::steady_clock::now();
    io.run_for(test_deadline);
    CHECK(std::chrono::steady_clock::now() - start < 2000ms);
    CHECK(timer_won);
    CHECK_FALSE(verdicts);
}

// Regression: with a warm cache every lookup completes without suspending. The spawned
// lookup's cancellation state lived in a signal that the judgement destroyed on return,
// while the lookup's coroutine thread still had a post to resume from and cleared its slot
// there: heap-use-after-free under ASan, a segfault in `fake-mx --dns` on the 2nd message.
TEST_CASE("async judge: many messages from one domain over a warm cache", "[judge][async]") {
    constexpr int sequential_messages = 200;
    constexpr int concurrent_messages = 50;
    FixtureDns fixture;
    asio::io_context io;
    dns::Resolver resolver(io.get_executor(), fixture.config());
    const std::string message = signed_message();
    int passed = 0;
    int judged = 0;
    auto count = [&](const Verdicts& v) {
        ++judged;
        if (v.spf.result == SpfResult::pass && v.dkim.size() == 1 &&
            v.dkim[0].result == DkimResult::pass && v.dmarc.result == DmarcResult::pass)
            ++passed;
    };
    // One after another (every judgement after the first answered from the cache) ...
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < sequential_messages; ++i)
                count(co_await judge(resolver, input_for(message)));
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run_for(test_deadline);
    CHECK(judged == sequential_messages);
    // ... and many at once, each ending while the others' lookups are still being unwound.
    io.restart();
    for (int i = 0; i < concurrent_messages; ++i) {
        asio::co_spawn(io, judge(resolver, input_for(message)),
                       [&](std::exception_ptr e, Verdicts v) {
                           if (e) std::rethrow_exception(e);
                           count(v);
                       });
    }
    io.run_for(test_deadline);
    CHECK(judged == sequential_messages + concurrent_messages);
    CHECK(passed == judged);
    // The cache answered all but the first judgement's three queries.
    CHECK(resolver.stats().lookups == 3 * static_cast<std::uint64_t>(judged));
    CHECK(resolver.stats().cache_hits >= 3 * static_cast<std::uint64_t>(judged - 1));
}
