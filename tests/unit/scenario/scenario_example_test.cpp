// The full example of the scenario format (FORMAT.md, README's "Scenario files") parses to the
// model it describes, and a minimal scenario gets the documented defaults.
#include "tests/unit/scenario/scenario_test_support.hpp"

using namespace relaylab::scenario;
using namespace relaylab::scenario::testing;
using namespace std::chrono_literals;

TEST_CASE("the full example parses to the model it describes") {
    ExampleFolder folder;
    auto s = folder.parse(nlohmann::json::parse(full_example));

    CHECK(s.name == "greylisting");
    CHECK(s.description ==
          "A receiver that greylists: the relay must retry and deliver everything");
    CHECK(s.source == "s.json");
    CHECK(s.traffic.seed == 7);

    SECTION("world.dns") {
        const auto& dns = s.world.dns;
        REQUIRE(dns.zone_files.size() == 1);
        CHECK(dns.zone_files[0] == folder.dir.path / "zones/example.test.zone");
        REQUIRE(dns.zones.size() == 1);
        CHECK(dns.zones[0].origin == "gmail.test.");
        CHECK_THAT(dns.zones[0].text, Catch::Contains("$ORIGIN gmail.test.\n"));
        CHECK_THAT(dns.zones[0].text, Catch::Contains("IN SOA"));
        CHECK_THAT(dns.zones[0].text, Catch::Contains("IN NS"));
        CHECK_THAT(dns.zones[0].text, Catch::Contains("@ 300 IN TXT \"hello\"\n"));
        REQUIRE(dns.faults.is_array());
        REQUIRE(dns.faults.size() == 1);
        CHECK(dns.faults[0]["action"] == "servfail");
        CHECK(dns.listen_address == "127.0.0.1");
        CHECK(dns.listen_port == 0);
    }
    SECTION("world.mx and senders") {
        CHECK(s.world.mx_port == 0);
        REQUIRE(s.world.mx.size() == 1);
        const auto& mx = s.world.mx[0];
        CHECK(mx.name == "mx1.gmail.test");
        CHECK(mx.address == "127.0.0.2");
        CHECK(mx.domains == std::vector<std::string>{"gmail.test"});
        CHECK(mx.preference == 10);
        CHECK(mx.behaviour_source == "preset greylist");
        REQUIRE(mx.behaviour.greylist);
        CHECK(mx.behaviour.greylist->min_retry == 300s);

        REQUIRE(s.world.senders.size() == 1);
        const auto& sender = s.world.senders[0];
        CHECK(sender.domain == "example.test");
        CHECK(sender.spf == "v=spf1 ip4:127.0.0.0/8 -all");
        CHECK(sender.dmarc == "v=DMARC1; p=reject");
        REQUIRE(sender.dkim);
        CHECK(sender.dkim->selector == "s1");
        CHECK(sender.dkim->private_key == folder.dir.path / "keys/example.pem");
    }
    SECTION("relay") {
        CHECK(s.relay.kind == RelayKind::builtin);
        CHECK(s.relay.builtin.retry.minimal_backoff == 1s);
        // The runner sets the listener: the parser leaves none behind.
        CHECK_FALSE(s.relay.builtin.relay_in);
        CHECK_FALSE(s.relay.builtin.submission);
    }
    SECTION("traffic") {
        const auto& t = s.traffic;
        REQUIRE(t.from.size() == 1);
        CHECK(t.from[0].address == "news@example.test");
        CHECK(t.from[0].weight == 1);
        REQUIRE(t.to.size() == 2);
        CHECK(t.to[0].address == "user{i}@gmail.test");
        CHECK(t.to[0].weight == 3);
        CHECK(t.to[0].pool == 500);
        CHECK(t.to[1].address == "user{n}@outlook.test");
        CHECK(t.to[1].weight == 1);
        CHECK(t.to[1].pool == 0);
        CHECK_FALSE(t.recipients.is_fixed());
        CHECK(t.recipients.largest() == 3);
        CHECK(t.message.subject == "Hello {n}");
        CHECK(t.message.body == "text");
        CHECK(t.message.size.distribution == relaylab::load::SizeDistribution::lognormal);
        CHECK(t.message.size.median == 4096);
        CHECK(t.message.size.sigma == 0.8);
        CHECK(t.message.size.min == 512);
        CHECK(t.message.size.max == 262144);
        REQUIRE(t.message.attachments.size() == 1);
        CHECK(t.message.attachments[0].filename == "a.pdf");
        CHECK(t.message.attachments[0].content_type == "application/pdf");
        CHECK(t.message.attachments[0].bytes == 20000);
        CHECK(t.message.headers ==
              std::vector<std::string>{"List-Unsubscribe: <mailto:unsub-{n}@example.test>"});
        CHECK(t.count == 1000u);
        CHECK_FALSE(t.duration);
        CHECK(t.concurrency == 10);
        CHECK(t.rate == 200);
        CHECK(t.arrivals == relaylab::load::Arrivals::poisson);
        CHECK(t.messages_per_connection == 0);
        CHECK(t.ramp_up == 5s);
    }
    SECTION("drain and expect") {
        CHECK(s.drain.timeout == 60s);
        REQUIRE(s.expect.size() == 2);
        CHECK(s.expect[0].name == "totals.lost == 0");
        CHECK(s.expect[0].text == "totals.lost == 0");
        CHECK(s.expect[1].name == "greylisting costs at most 10 s");
        CHECK(s.expect[1].text == "latency_ms.end_to_end.p99 < 10000");
        CHECK(s.expect[1].comparison == relaylab::reports::Comparison::less);
    }
}

TEST_CASE("a minimal scenario gets the documented defaults") {
    ExampleFolder folder;
    auto s = parse_scenario(
        nlohmann::json::parse(R"({"traffic": {"from": "a@Example.test", "to": "b@gmail.test"}})"),
        "dir/minimal.json", folder.dir.path);
    CHECK(s.name == "minimal");
    CHECK(s.description.empty());
    CHECK(s.traffic.seed == 1);
    CHECK(s.world.mx.empty());
    CHECK(s.world.dns.zone_files.empty());
    CHECK(s.world.dns.faults == nlohmann::json::array());
    CHECK(s.world.dns.listen_address == "127.0.0.1");
    // No senders given: one for the domain of the first sender address, with the defaults.
    REQUIRE(s.world.senders.size() == 1);
    CHECK(s.world.senders[0].domain == "example.test");
    CHECK(s.world.senders[0].spf == "v=spf1 ip4:127.0.0.0/8 -all");
    CHECK(s.world.senders[0].dmarc == "v=DMARC1; p=none");
    CHECK_FALSE(s.world.senders[0].dkim);
    CHECK(s.relay.kind == RelayKind::builtin);
    CHECK(s.relay.builtin.retry.minimal_backoff == 300s);
    CHECK(s.traffic.count == 100u);
    CHECK(s.traffic.concurrency == 10);
    CHECK(s.traffic.arrivals == relaylab::load::Arrivals::closed_loop);
    CHECK(s.traffic.recipients.is_fixed());
    CHECK(s.traffic.recipients.largest() == 1);
    CHECK(s.drain.timeout == 60s);
    CHECK(s.expect.empty());
}

TEST_CASE("defaults and variants of world, relay and traffic") {
    ExampleFolder folder;
    SECTION("MX addresses are assigned in order, skipping explicit ones; behaviours default") {
        folder.dir.write("behaviours/mine.json", R"({"name": "mine", "banner": "mine"})");
        auto s = folder.parse(nlohmann::json::parse(R"({
          "world": {"mx": [{"name": "a.test"}, {"name": "b.test", "address": "127.0.0.3"},
                           {"name": "c.test", "behaviour": {"banner": "hi", "rules": []}},
                           {"name": "d.test", "behaviour": "behaviours/mine.json"}],
                    "senders": []},
          "traffic": {"from": "a@example.test", "to": "b@a.test", "duration": "90s"}})"));
        REQUIRE(s.world.mx.size() == 4);
        CHECK(s.world.mx[0].address == "127.0.0.2");
        CHECK(s.world.mx[1].address == "127.0.0.3");
        CHECK(s.world.mx[2].address == "127.0.0.4");
        CHECK(s.world.mx[3].address == "127.0.0.5");
        CHECK(s.world.mx[0].behaviour_source == "preset accept-all");
        CHECK(s.world.mx[0].preference == 10);
        CHECK(s.world.mx[2].behaviour_source == "inline");
        CHECK(s.world.mx[2].behaviour.banner == "hi");
        CHECK(s.world.mx[3].behaviour_source == "behaviours/mine.json");
        CHECK(s.world.mx[3].behaviour.name == "mine");
        // "senders": [] is no sender at all (unsigned mail, nothing published).
        CHECK(s.world.senders.empty());
        CHECK_FALSE(s.traffic.count);
        CHECK(s.traffic.duration == 90s);
    }
    SECTION("an external relay") {
        auto s = folder.parse(nlohmann::json::parse(R"({
          "relay": {"kind": "external", "server": "smtp.provider.test:587", "tls": "starttls",
                    "verify_certificate": true, "auth": {"user": "u", "password": "p"}},
          "traffic": {"from": "a@example.test", "to": "b@gmail.test", "rate": 50,
                      "ramp_up": "500ms", "message": {"size": 3000}}})"));
        CHECK(s.relay.kind == RelayKind::external);
        CHECK(s.relay.external.host == "smtp.provider.test");
        CHECK(s.relay.external.port == 587);
        CHECK(s.relay.external.tls == SubmitTls::starttls);
        CHECK(s.relay.external.verify_certificate);
        REQUIRE(s.relay.external.auth);
        CHECK(s.relay.external.auth->name == "u");
        CHECK(s.relay.external.auth->password == "p");
        CHECK(s.traffic.arrivals == relaylab::load::Arrivals::constant);
        CHECK(s.traffic.ramp_up == 500ms);
        CHECK(s.traffic.message.size.distribution == relaylab::load::SizeDistribution::fixed);
        CHECK(s.traffic.message.size.bytes == 3000);
    }
    SECTION("faults from a file, inline zones with their own SOA") {
        folder.dir.write("faults.json", R"({"rules": [{"name": "*", "action": "drop"}]})");
        auto s = folder.parse(nlohmann::json::parse(R"({
          "world": {"dns": {"faults": "faults.json", "inline_zones": [{"origin": "x.test",
            "records": ["www A 127.0.0.9", "@ IN SOA ns1 h 2 3600 600 86400 60", "@ NS ns1"]}]}},
          "traffic": {"from": "a@example.test", "to": "b@x.test"}})"));
        REQUIRE(s.world.dns.faults.size() == 1);
        CHECK(s.world.dns.faults[0]["action"] == "drop");
        const auto& text = s.world.dns.zones.at(0).text;
        CHECK(s.world.dns.zones[0].origin == "x.test.");
        // The given SOA comes first and no second SOA or NS is added.
        CHECK(text.find("SOA") == text.rfind("SOA"));
        CHECK(text.find("@ IN SOA ns1 h 2") < text.find("www A"));
        CHECK(text.find("IN NS ns\n") == std::string::npos);
    }
}

TEST_CASE("load_scenario reads a file, resolving paths against its folder") {
    ExampleFolder folder;
    auto path = folder.dir.write("greylisting.json", full_example);
    auto s = load_scenario(path);
    CHECK(s.name == "greylisting");
    CHECK(s.source == path);
    CHECK(s.world.dns.zone_files.at(0) == folder.dir.path / "zones/example.test.zone");
}
