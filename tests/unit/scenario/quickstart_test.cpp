// The quickstart compiled into the binary parses, is the same as scenarios/quickstart.json, and
// is the world README promises: three providers with their behaviours, a signed sender, 300
// messages, and retries that pass the greylist at the first try so the run ends quickly.
#include <catch2/catch.hpp>

#include "harness/scenario/scenario_parser.hpp"

using namespace relaylab::scenario;
using namespace std::chrono_literals;

TEST_CASE("the embedded quickstart parses to the README's world") {
    auto s = embedded_quickstart();
    CHECK(s.name == "quickstart");
    CHECK(s.source == "(embedded quickstart)");
    CHECK_FALSE(s.description.empty());

    REQUIRE(s.world.mx.size() == 3);
    CHECK(s.world.mx[0].name == "mx1.gmail.test");
    CHECK(s.world.mx[0].domains == std::vector<std::string>{"gmail.test"});
    CHECK(s.world.mx[1].name == "mx1.outlook.test");
    CHECK(s.world.mx[1].behaviour_source == "preset accept-all");
    CHECK(s.world.mx[2].name == "mx1.yahoo.test");
    CHECK(s.world.mx[2].behaviour_source == "preset rate-limited");
    // Each provider has its own loopback address.
    CHECK(s.world.mx[0].address == "127.0.0.2");
    CHECK(s.world.mx[1].address == "127.0.0.3");
    CHECK(s.world.mx[2].address == "127.0.0.4");
    // No zone files: the runner synthesizes MX, A, SPF, DMARC and DKIM records.
    CHECK(s.world.dns.zone_files.empty());
    CHECK(s.world.dns.zones.empty());

    REQUIRE(s.world.senders.size() == 1);
    CHECK(s.world.senders[0].domain == "example.test");
    REQUIRE(s.world.senders[0].dkim);
    CHECK(s.world.senders[0].dkim->selector == "rl1");
    CHECK(s.world.senders[0].dkim->private_key.empty());  // the runner generates the key

    CHECK(s.relay.kind == RelayKind::builtin);
    CHECK(s.traffic.count == 300u);
    CHECK(s.traffic.concurrency == 10);
    CHECK(s.traffic.arrivals == relaylab::load::Arrivals::closed_loop);
    REQUIRE(s.traffic.to.size() == 3);
    CHECK(s.traffic.from.at(0).address == "news@example.test");
    CHECK(s.drain.timeout == 60s);

    std::vector<std::string> checks;
    for (const auto& e : s.expect)
        checks.push_back(e.text);
    CHECK(checks == std::vector<std::string>{"totals.lost == 0", "totals.delivered == 300",
                                             "auth.dkim.pass / totals.delivered >= 0.99",
                                             "auth.dmarc.pass / totals.delivered >= 0.99",
                                             "domains[gmail.test].deferred > 0"});
}

TEST_CASE("the quickstart's retries pass its greylist at the first retry, within the drain") {
    auto s = embedded_quickstart();
    const auto& gmail = s.world.mx.at(0).behaviour;
    REQUIRE(gmail.greylist);
    const auto& retry = s.relay.builtin.retry;
    // The earliest retry (the jitter shortens the wait, whole seconds rounded down) must not
    // come back before the greylist's delay, or each message is greylisted again.
    auto earliest_retry = std::chrono::seconds(static_cast<std::int64_t>(
        static_cast<double>(retry.minimal_backoff.count()) * (1.0 - retry.jitter)));
    CHECK(earliest_retry > gmail.greylist->min_retry);
    // A few retries fit in the drain with room to spare: the run ends well under a minute.
    CHECK(retry.minimal_backoff + retry.maximal_backoff * 2 < s.drain.timeout);
    // The yahoo.test preset allows 2 connections and 10 messages each; the relay keeps to it.
    const auto& yahoo = s.relay.builtin.destination("yahoo.test");
    REQUIRE(s.world.mx.at(2).behaviour.rate_limits.concurrent_connections);
    CHECK(yahoo.max_connections <= s.world.mx[2].behaviour.rate_limits.concurrent_connections->max);
    REQUIRE(s.world.mx[2].behaviour.rate_limits.messages_per_connection);
    CHECK(yahoo.messages_per_connection <=
          s.world.mx[2].behaviour.rate_limits.messages_per_connection->max);
}

TEST_CASE("the embedded quickstart is scenarios/quickstart.json") {
    auto file = load_scenario(RELAYLAB_QUICKSTART_FILE);
    auto embedded = embedded_quickstart();
    CHECK(file.name == embedded.name);
    CHECK(file.description == embedded.description);
    CHECK(file.traffic.count == embedded.traffic.count);
    REQUIRE(file.expect.size() == embedded.expect.size());
    for (std::size_t i = 0; i < file.expect.size(); ++i)
        CHECK(file.expect[i].name == embedded.expect[i].name);
}
