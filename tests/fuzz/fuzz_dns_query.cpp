// libFuzzer: hostile bytes into the fixture DNS server's query path (ldns wire parsing, the
// header checks, answer building, truncation) over UDP and TCP. Must never crash or hang.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fake-mx/dns-fixture/core/fixture.hpp"

namespace {

constexpr const char* zone_text = R"zone($ORIGIN f.test.
$TTL 60
@     IN SOA ns hm 1 2 3 4 5
      IN MX  10 mx
      IN TXT "v=spf1 -all"
mx    IN A   192.0.2.1
a     IN CNAME b
b     IN CNAME a
*.w   IN A   192.0.2.2
sub   IN NS  ns.sub
ns.sub IN A  192.0.2.3
)zone";

relaylab::dns::fixture::Fixture& fixture() {
    using namespace relaylab::dns::fixture;
    static Fixture instance = [] {
        ZoneSet zones;
        zones.add(load_zone_text(zone_text, "fuzz"));
        std::vector<FaultRule> rules(1);
        rules[0].name = "*.w.f.test";
        rules[0].action = FaultAction::truncate;
        rules[0].probability = 0.5;
        return Fixture(std::move(zones), std::move(rules));
    }();
    return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using relaylab::dns::fixture::Transport;
    std::span<const std::uint8_t> bytes(data, size);
    (void)fixture().handle_query(bytes, Transport::udp);
    (void)fixture().handle_query(bytes, Transport::tcp);
    return 0;
}
