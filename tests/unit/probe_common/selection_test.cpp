#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>

#include "probes/probe_suite.hpp"

using namespace relaylab::probe;

namespace {
bool runs(const Selection& s, std::string_view name) {
    return std::any_of(s.run.begin(), s.run.end(),
                       [&](const CheckGroup* g) { return g->name == name; });
}
bool skipped(const Selection& s, std::string_view name) {
    return std::any_of(s.skipped.begin(), s.skipped.end(),
                       [&](const SkippedCheck& k) { return k.name == name; });
}
}  // namespace

TEST_CASE("without --checks, groups whose needs are unmet are listed as not run", "[probe]") {
    ProbeContext context;
    context.target = {"127.0.0.1", "127.0.0.1", 25, false};
    const Selection s = select_checks({}, context);
    CHECK(runs(s, "banner"));
    CHECK(runs(s, "tls"));
    CHECK(runs(s, "open-relay"));
    CHECK(skipped(s, "mta-sts"));    // no --domain
    CHECK(skipped(s, "dane"));       // target is an address
    CHECK(skipped(s, "dnsbl"));      // no zone
    CHECK(skipped(s, "smuggling"));  // no recipient
    CHECK(skipped(s, "smuggling-outbound"));
}

TEST_CASE("--domain and a host name enable the groups that need them", "[probe]") {
    ProbeContext context;
    context.target = {"mx.example.test", "127.0.0.1", 25, true};
    context.options.domain = "example.test";
    context.options.dnsbl_zones = {"bl.example.test"};
    const Selection s = select_checks({}, context);
    for (const char* name : {"mta-sts", "tls-rpt", "dane", "dnsbl", "smuggling", "limits"}) {
        INFO(name);
        CHECK(runs(s, name));
    }
    CHECK(context.options.recipient() == "postmaster@example.test");
}

TEST_CASE("named checks run in the suite's order; unknown or unmet ones are usage errors",
          "[probe]") {
    ProbeContext context;
    context.target = {"127.0.0.1", "127.0.0.1", 25, false};
    const Selection s = select_checks({"open-relay", "banner"}, context);
    REQUIRE(s.run.size() == 2);
    CHECK(s.run[0]->name == "banner");
    CHECK(s.run[1]->name == "open-relay");
    CHECK(s.skipped.empty());
    CHECK_THROWS_WITH(select_checks({"tsl"}, context), Catch::Contains("unknown check 'tsl'"));
    CHECK_THROWS_WITH(select_checks({"mta-sts"}, context), Catch::Contains("needs --domain"));
}
