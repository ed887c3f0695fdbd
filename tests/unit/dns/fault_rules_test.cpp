// Fault rules: the JSON format (errors name the JSON pointer), glob matching, and each action
// as the fixture applies it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fake-mx/dns-fixture/core/fixture.hpp"
#include "harness/dns/core/message.hpp"
#include "tests/unit/dns/test_zone.hpp"

using namespace relaylab::dns;
using namespace relaylab::dns::fixture;

namespace {

Fixture with_rules(const char* json) {
    ZoneSet zones;
    zones.add(load_zone_text(test::zone_text, "test_zone"));
    return Fixture(std::move(zones), parse_fault_rules(nlohmann::json::parse(json)));
}

Decision ask(Fixture& fixture, const std::string& name, RrType type,
             Transport transport = Transport::udp) {
    return fixture.handle_query(build_query(9, name, type, 1232), transport);
}

int rcode(const Decision& d) {
    return (*d.reply)[3] & 0x0f;
}

std::string error_of(const char* json) {
    try {
        parse_fault_rules(nlohmann::json::parse(json));
    } catch (const FaultRuleError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("glob matching is case-insensitive and ignores the root dot", "[dns][faults]") {
    CHECK(glob_match("*", "anything.test"));
    CHECK(glob_match("*.example.test", "mx1.EXAMPLE.test."));
    CHECK_FALSE(glob_match("*.example.test", "example.test"));
    CHECK(glob_match("mx?.example.test", "mx2.example.test"));
    CHECK_FALSE(glob_match("mx?.example.test", "mx10.example.test"));
    CHECK(glob_match("*mx*", "a.mx.b"));
    // A hostile pattern/name pair stays linear: this returns at once.
    CHECK_FALSE(glob_match(std::string(100, '*') + "b", std::string(1000, 'a')));
}

TEST_CASE("rule errors name the JSON pointer and what would be right", "[dns][faults]") {
    CHECK(error_of(R"([{"action":"explode"}])").find("/0/action") != std::string::npos);
    CHECK(error_of(R"({"rules":[{"name":"x","action":"servfail","probability":2}]})")
              .find("/rules/0/probability: must be a number from 0 to 1") != std::string::npos);
    CHECK(error_of(R"([{"action":"delay_ms"}])").find("/0/delay_ms: missing") != std::string::npos);
    CHECK(error_of(R"([{"action":"drop","type":"BOGUS"}])").find("/0/type") != std::string::npos);
    CHECK(error_of(R"([{"action":"drop","colour":"red"}])").find("/0/colour: unknown key") !=
          std::string::npos);
    CHECK(error_of(R"([{"action":"drop","first":0}])").find("/0/first") != std::string::npos);
    CHECK(error_of(R"({"rulez":[]})").find("/rulez") != std::string::npos);
}

TEST_CASE("each action does what it says", "[dns][faults]") {
    Fixture fixture = with_rules(R"({"rules":[
        {"name":"sf.fixture.test","action":"servfail"},
        {"name":"rf.fixture.test","action":"refused"},
        {"name":"www.fixture.test","type":"MX","action":"nxdomain"},
        {"name":"gone.fixture.test","action":"drop"},
        {"name":"slow.fixture.test","action":"delay_ms","delay_ms":250},
        {"name":"fixture.test","type":"MX","action":"truncate","label":"force tcp"}
    ]})");
    SECTION("servfail") {
        auto d = ask(fixture, "sf.fixture.test", RrType::a);
        CHECK(rcode(d) == 2);
        CHECK(d.log.fault == "servfail");
        CHECK(d.log.fault_rule == "rule 0");
    }
    SECTION("refused") {
        CHECK(rcode(ask(fixture, "rf.fixture.test", RrType::a)) == 5);
    }
    SECTION("nxdomain for an existing name, only for the rule's type") {
        auto d = ask(fixture, "www.fixture.test", RrType::mx);
        CHECK(rcode(d) == 3);
        auto parsed = parse_response(*d.reply, 9, "www.fixture.test", RrType::mx);
        CHECK(parsed.answer.status == Status::nxdomain);
        CHECK(parsed.answer.ttl == 30);  // the zone's SOA is there
        CHECK(rcode(ask(fixture, "www.fixture.test", RrType::a)) == 0);
    }
    SECTION("drop: nothing to send") {
        auto d = ask(fixture, "gone.fixture.test", RrType::a);
        CHECK_FALSE(d.reply);
        CHECK(d.log.rcode == "DROPPED");
        CHECK(d.log.fault == "drop");
    }
    SECTION("delay_ms: the normal answer, later") {
        auto d = ask(fixture, "slow.fixture.test", RrType::a);
        CHECK(d.delay == std::chrono::milliseconds(250));
        CHECK(rcode(d) == 3);  // slow.fixture.test does not exist: the delay changes nothing else
        CHECK(d.log.delay_ms == 250);
    }
    SECTION("truncate: TC over UDP, the full answer over TCP") {
        auto udp = ask(fixture, "fixture.test", RrType::mx);
        CHECK(((*udp.reply)[2] & 0x02) != 0);
        CHECK(udp.log.fault_rule == "force tcp");
        auto tcp = ask(fixture, "fixture.test", RrType::mx, Transport::tcp);
        auto parsed = parse_response(*tcp.reply, 9, "fixture.test", RrType::mx);
        CHECK(parsed.answer.records.size() == 3);
    }
}

TEST_CASE("'first' limits a rule to the first N matching queries", "[dns][faults]") {
    Fixture fixture = with_rules(R"([{"name":"www.fixture.test","action":"servfail","first":2}])");
    CHECK(rcode(ask(fixture, "www.fixture.test", RrType::a)) == 2);
    CHECK(rcode(ask(fixture, "mx-a.fixture.test", RrType::a)) == 0);  // does not count
    CHECK(rcode(ask(fixture, "www.fixture.test", RrType::a)) == 2);
    CHECK(rcode(ask(fixture, "www.fixture.test", RrType::a)) == 0);
}

TEST_CASE("probability with a seed hits about that share, the same way every run",
          "[dns][faults]") {
    const char* rules = R"([{"name":"*","action":"servfail","probability":0.3,"seed":7}])";
    auto pattern = [&] {
        Fixture fixture = with_rules(rules);
        std::string hits;
        for (int i = 0; i < 1000; ++i) {
            hits += rcode(ask(fixture, "www.fixture.test", RrType::a)) == 2 ? '1' : '0';
        }
        return hits;
    };
    std::string first = pattern();
    CHECK(first == pattern());
    auto count = std::count(first.begin(), first.end(), '1');
    CHECK(count > 240);
    CHECK(count < 360);
}

TEST_CASE("rules apply in order; a rule that loses its draw lets the next one try",
          "[dns][faults]") {
    Fixture fixture = with_rules(R"([
        {"name":"*","action":"servfail","probability":0},
        {"name":"*.fixture.test","type":["A","AAAA"],"action":"refused"}])");
    CHECK(rcode(ask(fixture, "www.fixture.test", RrType::a)) == 5);
    CHECK(rcode(ask(fixture, "www.fixture.test", RrType::txt)) == 0);
}
