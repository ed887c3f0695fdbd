// The AD bit (RFC 4035 3.2.3, RFC 6840 5.7): queries ask for it, answers carry it into
// dns::Answer, which DANE needs (RFC 7672 2.2: TLSA records count only when validated).
#include <catch2/catch.hpp>

#include "fake-mx/dns-fixture/core/fixture.hpp"
#include "harness/dns/core/message.hpp"
#include "tests/unit/dns/test_zone.hpp"

using namespace relaylab::dns;
using namespace relaylab::dns::fixture;

TEST_CASE("queries set AD on request, answers report it", "[dns][ad]") {
    auto plain = build_query(7, "fixture.test", RrType::mx, 1232);
    auto asking = build_query(7, "fixture.test", RrType::mx, 1232, true);
    CHECK((plain[3] & 0x20) == 0);
    CHECK((asking[3] & 0x20) != 0);

    ZoneSet zones;
    zones.add(load_zone_text(test::zone_text, "test_zone"));
    Fixture fixture(std::move(zones), {});
    auto decision = fixture.handle_query(asking, Transport::udp);
    REQUIRE(decision.reply);
    std::vector<std::uint8_t> reply = *decision.reply;
    reply[3] &= static_cast<std::uint8_t>(~0x20);  // an answer nobody validated
    auto parsed = parse_response(reply, 7, "fixture.test", RrType::mx);
    REQUIRE(parsed.kind == ResponseKind::usable);
    CHECK_FALSE(parsed.answer.authenticated_data);
    reply[3] |= 0x20;  // as a validating resolver answers
    parsed = parse_response(reply, 7, "fixture.test", RrType::mx);
    REQUIRE(parsed.kind == ResponseKind::usable);
    CHECK(parsed.answer.authenticated_data);
}
