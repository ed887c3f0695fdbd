// The join with receivers' captures: ranges with gaps, duplicates across receivers, truncated
// ranges, a missing shard's ids, ids beyond the planned numbers; generator shards' deliveries
// taken from the receivers; interval arithmetic on ranges of billions of ids.
#include <catch2/catch.hpp>

#include "reports/merge/receiver_join.hpp"
#include "shard_fixtures.hpp"

using Catch::Contains;
using relaylab::reports::merge_shard_reports;
using relaylab::reports::ReceiverCapture;
using relaylab::reports::merge::ids_of_shard;
using relaylab::test::shard_set;

namespace {

// Two generator shards of 10 messages each (20 planned: ids 1..20; shard 0 the odd ones).
std::vector<relaylab::reports::ShardReport> generator_shards() {
    auto shards = shard_set(2);
    for (auto& shard : shards) {
        shard.report["shard"]["role"] = "generator";
        shard.report["shard"]["numbers"]["planned"] = 10;
        shard.report["shard"]["numbers"]["planned_total"] = 20;
        shard.report["relay"] = {{"kind", "external"}, {"address", "relay.example:25"}};
        shard.report["totals"] = {{"submitted", 10}, {"accepted", 10},  {"rejected", 0},
                                  {"delivered", 0},  {"deferred", 0},   {"bounced", 0},
                                  {"lost", 0},       {"duplicates", 0}, {"in_flight", 0}};
        shard.report["expectations"] = nlohmann::json::array();
    }
    return shards;
}

ReceiverCapture capture(std::string url, nlohmann::json ranges, std::uint64_t duplicates = 0,
                        bool truncated = false) {
    std::uint64_t distinct = 0;
    for (const auto& r : ranges)
        distinct += r[1].get<std::uint64_t>() - r[0].get<std::uint64_t>() + 1;
    return ReceiverCapture{std::move(url),
                           {{"run_id", "r7f3a2c"},
                            {"messages", distinct + duplicates},
                            {"distinct", distinct},
                            {"duplicates", duplicates},
                            {"ranges", std::move(ranges)},
                            {"ranges_truncated", truncated},
                            {"other", 0},
                            {"duplicated", nlohmann::json::array()}},
                           ""};
}

}  // namespace

TEST_CASE("ids of a shard in a range, by arithmetic") {
    for (std::uint64_t count : {1, 2, 3, 7}) {
        for (std::uint64_t lo = 1; lo < 20; ++lo) {
            for (std::uint64_t hi = lo; hi < 30; ++hi) {
                for (std::uint64_t index = 0; index < count; ++index) {
                    std::uint64_t brute = 0;
                    for (std::uint64_t n = lo; n <= hi; ++n)
                        brute += (n - 1) % count == index;
                    REQUIRE(ids_of_shard(lo, hi, count, index) == brute);
                }
            }
        }
    }
    CHECK(ids_of_shard(1, 4'000'000'000'000, 4, 3) == 1'000'000'000'000);
}

TEST_CASE("receivers' ranges joined: gaps, duplicates across receivers, unexpected ids") {
    // Receiver A holds 1-5 and 8-12, B 10-14 (10-12 also on A) and 21-22 (beyond the 20 made).
    const std::vector<ReceiverCapture> receivers = {
        capture("http://mx-a:8025", {{1, 5}, {8, 12}}, 1),
        capture("http://mx-b:8025", {{10, 14}, {21, 22}}),
    };
    const auto result = merge_shard_reports(generator_shards(), receivers);
    const nlohmann::json& join = result.report["shards"]["receivers"];
    CHECK(join["distinct"] == 14);
    CHECK(join["duplicates"] == 1 + 3);
    CHECK(join["unexpected"] == 2);
    // Odd ids 1,3,5,9,11,13 are shard 0's; even 2,4,8,10,12,14 shard 1's.
    CHECK(join["by_shard"][0] ==
          nlohmann::json{{"index", 0}, {"accepted", 10}, {"arrived", 6}, {"missing", 4}});
    CHECK(join["by_shard"][1]["arrived"] == 6);
    CHECK(join["missing_total"] == 8);
    CHECK(join["sources"] == nlohmann::json{"http://mx-a:8025", "http://mx-b:8025"});
    // Generator shards: deliveries are what arrived (one recipient per message).
    CHECK(result.report["totals"]["delivered"] == 12);
    CHECK(result.report["totals"]["lost"] == 8);
    CHECK(result.report["totals"]["duplicates"] == 4);
    CHECK(result.exit_code == 0);  // lost messages are the expectations' to judge
}

TEST_CASE("a missing shard's ids are reported") {
    auto shards = generator_shards();
    shards.pop_back();
    const auto result = merge_shard_reports(shards, {capture("http://mx:8025", {{1, 20}})});
    CHECK(result.exit_code == 3);
    CHECK_THAT(result.report["error"].get<std::string>(),
               Contains("shard 1 of 2 is missing") && Contains("arrived for missing shard 1: 10"));
    CHECK(result.report["shards"]["receivers"]["by_shard"][1]["arrived"] == 10);
    CHECK(result.report["totals"]["delivered"] == 10);  // shard 0's class only
}

TEST_CASE("truncated ranges: said, and no exact missing counts claimed") {
    const auto result =
        merge_shard_reports(generator_shards(), {capture("http://mx:8025", {{1, 4}}, 0, true)});
    const nlohmann::json& join = result.report["shards"]["receivers"];
    CHECK(join["truncated"] == true);
    CHECK(join["missing_total"].is_null());
    CHECK(join["by_shard"][0]["missing"].is_null());
    CHECK(join["note"].get<std::string>().find("truncated") != std::string::npos);
}

TEST_CASE("a full shard's messages missing at the receivers beyond its own count: exit 3") {
    auto shards = shard_set(2);  // 2000 accepted each, 1998 delivered, 2 bounced
    const auto result = merge_shard_reports(
        shards, {capture("http://mx:8025", {{1, 3990}})});  // 1995 of each shard's
    CHECK(result.exit_code == 3);
    CHECK_THAT(result.report["error"].get<std::string>(),
               Contains("shard 0: the receivers hold 1995 of its 2000 accepted messages, 3 more"));
    CHECK(result.report["totals"]["delivered"] == 3996);  // full shards keep their own count
}

TEST_CASE("receivers that cannot be used") {
    SECTION("unreachable: the join is left out, the merge says so") {
        auto unreachable = capture("http://mx-b:8025", nlohmann::json::array());
        unreachable.error = "connection refused";
        const auto result = merge_shard_reports(
            generator_shards(), {capture("http://mx-a:8025", {{1, 20}}), unreachable});
        CHECK(result.exit_code == 3);
        CHECK_FALSE(result.report["shards"].contains("receivers"));
        CHECK_THAT(result.report["error"].get<std::string>(),
                   Contains("receiver http://mx-b:8025: connection refused"));
    }
    SECTION("another run's answer, or broken ranges, is refused") {
        auto other = capture("http://mx:8025", {{1, 2}});
        other.tracking["run_id"] = "rffffff";
        CHECK_THROWS_WITH(merge_shard_reports(generator_shards(), {other}),
                          Contains("http://mx:8025: /run_id: answers for run \"rffffff\""));
        auto broken = capture("http://mx:8025", {{5, 2}});
        CHECK_THROWS_WITH(merge_shard_reports(generator_shards(), {broken}),
                          Contains("http://mx:8025: /ranges/0: want [first, last]"));
    }
}

TEST_CASE("billions of ids cost no more than their ranges") {
    auto shards = generator_shards();
    for (auto& shard : shards) {
        shard.report["shard"]["numbers"]["planned_total"] = 4'000'000'000;
        shard.report["totals"]["accepted"] = 2'000'000'000;
    }
    const auto result = merge_shard_reports(
        shards, {capture("http://mx:8025", {{1, 1'999'999'999}, {2'000'000'002, 4'000'000'000}})});
    const nlohmann::json& join = result.report["shards"]["receivers"];
    CHECK(join["distinct"] == 3'999'999'998);
    CHECK(join["by_shard"][0]["missing"] == 1);  // 2,000,000,001 (odd)
    CHECK(join["by_shard"][1]["missing"] == 1);  // 2,000,000,000 (even)
}
