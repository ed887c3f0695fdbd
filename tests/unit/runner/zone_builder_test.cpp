#include <catch2/catch.hpp>

#include "fake-mx/dns-fixture/core/zone.hpp"
#include "harness/runner/zone_builder.hpp"

using namespace relaylab::runner;
namespace fixture = relaylab::dns::fixture;

namespace {

ZoneInputs quickstart_like() {
    ZoneInputs inputs;
    inputs.hosts = {{"mx1.gmail.test", "127.0.0.2", {"gmail.test"}, 10},
                    {"mx2.gmail.test", "127.0.0.3", {"gmail.test"}, 20},
                    {"mx.outlook.test", "127.0.0.4", {"outlook.test", "hotmail.test"}, 5},
                    {"bounces.relaylab.test", "127.0.0.254", {}, 10}};
    inputs.senders = {{"example.test", "v=spf1 ip4:127.0.0.0/8 -all", "v=DMARC1; p=reject", "rl1",
                       "v=DKIM1; k=rsa; p=" + std::string(400, 'A')}};
    inputs.bounce_host = "bounces.relaylab.test";
    return inputs;
}

const fixture::Zone* zone_named(const fixture::ZoneSet& set, const std::string& apex) {
    for (const auto& zone : set.zones())
        if (zone.apex() == apex) return &zone;
    return nullptr;
}

}  // namespace

TEST_CASE("synthesized zones load in the fixture and hold the records", "[runner][zones]") {
    fixture::ZoneSet set;
    for (const auto& zone : synthesize_zones(quickstart_like()))
        set.add(fixture::load_zone_text(zone.text, zone.origin));
    const fixture::Zone* gmail = zone_named(set, "gmail.test.");
    REQUIRE(gmail != nullptr);
    REQUIRE(gmail->find("gmail.test.") != nullptr);
    CHECK(gmail->find("mx1.gmail.test.") != nullptr);  // the host's A lives in its domain's zone
    CHECK(gmail->find("mx2.gmail.test.") != nullptr);
    const fixture::Zone* example = zone_named(set, "example.test.");
    REQUIRE(example != nullptr);
    CHECK(example->find("rl1._domainkey.example.test.") != nullptr);
    CHECK(example->find("_dmarc.example.test.") != nullptr);
    CHECK(zone_named(set, "hotmail.test.") != nullptr);
    // The bounce catcher and the outlook host are names of their own zones / domains.
    CHECK(set.find_zone("bounces.relaylab.test.") != nullptr);
    CHECK(set.find_zone("mx.outlook.test.") != nullptr);
}

TEST_CASE("a zone the scenario provides is not synthesized", "[runner][zones]") {
    ZoneInputs inputs = quickstart_like();
    inputs.user_origins.insert("gmail.test.");
    for (const auto& zone : synthesize_zones(inputs))
        CHECK(zone.origin != "gmail.test.");
}

TEST_CASE("TXT data is quoted, escaped and split at 255 octets", "[runner][zones]") {
    CHECK(txt_data("v=spf1 -all") == "\"v=spf1 -all\"");
    CHECK(txt_data("a\"b\\c") == "\"a\\\"b\\\\c\"");
    std::string long_text(600, 'x');
    std::string data = txt_data(long_text);
    CHECK(data == "\"" + std::string(255, 'x') + "\" \"" + std::string(255, 'x') + "\" \"" +
                      std::string(90, 'x') + "\"");
    CHECK(txt_data("") == "\"\"");
    CHECK(absolute_name("Gmail.Test") == "gmail.test.");
}
