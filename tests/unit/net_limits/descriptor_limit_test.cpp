// The soft descriptor limit is raised to the hard one; the budget keeps a reserve below it.
#include "harness/net/descriptor_limit.hpp"

#include <sys/resource.h>

#include <catch2/catch.hpp>

using namespace relaylab::net;

TEST_CASE("the connection budget keeps a reserve below the soft limit") {
    CHECK(connection_budget_for(1024) == 1024 - 128);
    CHECK(connection_budget_for(64) == 32);
    CHECK(connection_budget_for(40) == 8);
    CHECK(connection_budget_for(10) == 1);  // never zero: the listener still says "busy"
    CHECK(connection_budget_for(1u << 20) == (1u << 20) - (1u << 17));
}

TEST_CASE("the soft limit is raised to the hard limit, never lowered") {
    rlimit saved{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    if (saved.rlim_max < 256) {
        WARN("hard descriptor limit below 256; nothing to raise here");
        return;
    }
    rlimit lowered{128, saved.rlim_max};
    REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    DescriptorLimits limits = raise_descriptor_limit();
    CHECK(limits.soft_before == 128);
    CHECK(limits.soft > 128);
    CHECK(limits.soft == std::min<std::uint64_t>(saved.rlim_max, max_raised_descriptors));
    CHECK(current_descriptor_limits().soft == limits.soft);
    DescriptorLimits again = raise_descriptor_limit();
    CHECK(again.soft == limits.soft);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
}
