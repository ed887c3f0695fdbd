// Recipient counts per message: fixed, uniform ranges and weighted choices, parsed from the
// --recipients text, reproducible per message number.
#include <catch2/catch.hpp>

#include <map>

#include "harness/load/recipient_count.hpp"

using namespace relaylab::load;

TEST_CASE("fixed counts", "[load][recipients]") {
    CHECK(RecipientCount().pick(1) == 1);
    CHECK(RecipientCount::fixed(7).pick(99) == 7);
    CHECK(RecipientCount::fixed(0).pick(1) == 1);  // clamped into 1..max
    CHECK(RecipientCount::fixed(5000).pick(1) == max_recipients_per_message);
    auto parsed = RecipientCount::parse("3");
    REQUIRE(parsed);
    CHECK(parsed->is_fixed());
    CHECK(parsed->pick(12) == 3);
}

TEST_CASE("a uniform range draws every count about equally", "[load][recipients]") {
    auto range = RecipientCount::parse("2-5");
    REQUIRE(range);
    CHECK(range->largest() == 5);
    std::map<std::size_t, int> seen;
    for (std::uint64_t n = 1; n <= 40'000; ++n)
        ++seen[range->pick(n)];
    REQUIRE(seen.size() == 4);
    for (auto [count, times] : seen) {
        INFO("count " << count << " drawn " << times << " times");
        CHECK(count >= 2);
        CHECK(count <= 5);
        CHECK(times > 9'000);  // 10,000 expected
        CHECK(times < 11'000);
    }
    CHECK(range->pick(123) == range->pick(123));
}

TEST_CASE("weighted choices follow their weights", "[load][recipients]") {
    auto weighted = RecipientCount::parse("1:70,2:20,10:10");
    REQUIRE(weighted);
    std::map<std::size_t, int> seen;
    for (std::uint64_t n = 1; n <= 100'000; ++n)
        ++seen[weighted->pick(n)];
    CHECK(seen.size() == 3);
    CHECK(seen[1] == Approx(70'000).epsilon(0.03));
    CHECK(seen[2] == Approx(20'000).epsilon(0.05));
    CHECK(seen[10] == Approx(10'000).epsilon(0.08));
}

TEST_CASE("bad --recipients text is refused with a reason", "[load][recipients]") {
    for (const char* text :
         {"", "0", "abc", "5-2", "1-", "1:0", "1:x", "2:1,", "1001", "3:-1", "1:inf", "-3"}) {
        std::string error;
        INFO("'" << text << "'");
        CHECK_FALSE(RecipientCount::parse(text, &error));
        CHECK_FALSE(error.empty());
    }
}
