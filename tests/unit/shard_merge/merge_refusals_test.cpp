// Shards that cannot be merged are refused with the file and the JSON pointer of the fault:
// different runs, the same index twice, an index out of range, not a shard report.
#include <catch2/catch.hpp>

#include "shard_fixtures.hpp"

using Catch::Contains;
using relaylab::reports::merge_shard_reports;
using relaylab::reports::MergeError;
using relaylab::test::shard_set;

TEST_CASE("documents that are not shard reports are refused") {
    auto shards = shard_set(2);
    shards[1].report["schema"] = "relaylab.compare/1";
    CHECK_THROWS_AS(merge_shard_reports(shards), MergeError);
    CHECK_THROWS_WITH(merge_shard_reports(shards), Contains("shard-1/report.json: /schema"));

    shards = shard_set(2);
    shards[0].report.erase("shard");
    CHECK_THROWS_WITH(merge_shard_reports(shards),
                      Contains("shard-0/report.json: /shard: not a shard report"));

    shards = shard_set(2);
    shards[1].report["shard"]["histograms"]["end_to_end"]["buckets"] = "!!";
    CHECK_THROWS_WITH(merge_shard_reports(shards),
                      Contains("shard-1/report.json: /shard/histograms/end_to_end"));

    CHECK_THROWS_WITH(merge_shard_reports({}), Contains("no shard reports"));
}

TEST_CASE("shards of different runs are refused, naming both files and the field") {
    const std::vector<std::pair<std::string, std::function<void(nlohmann::json&)>>> changes = {
        {"/scenario/name", [](nlohmann::json& r) { r["scenario"]["name"] = "other"; }},
        {"/scenario/seed", [](nlohmann::json& r) { r["scenario"]["seed"] = 7; }},
        {"/shard/scenario_digest",
         [](nlohmann::json& r) {
             r["shard"]["scenario_digest"] = "sha256:" + std::string(64, 'b');
         }},
        {"/shard/count",
         [](nlohmann::json& r) {
             r["shard"]["count"] = 3;
             r["shard"]["numbers"]["stride"] = 3;
         }},
        {"/run_id", [](nlohmann::json& r) { r["run_id"] = "r0000000"; }},
    };
    for (const auto& [pointer, change] : changes) {
        INFO(pointer);
        auto shards = shard_set(2);
        change(shards[1].report);
        CHECK_THROWS_WITH(
            merge_shard_reports(shards),
            Contains("shard-1/report.json: " + pointer) && Contains("in shard-0/report.json"));
    }
}

TEST_CASE("the same index twice, or an index out of range, is refused") {
    auto shards = shard_set(3);
    shards[2].report["shard"]["index"] = 1;
    shards[2].report["shard"]["numbers"]["first"] = 2;
    shards[2].source = "copy/report.json";
    CHECK_THROWS_WITH(merge_shard_reports(shards),
                      Contains("copy/report.json: /shard/index: index 1 is also in "
                               "shard-1/report.json"));
    shards = shard_set(2);
    shards[1].report["shard"]["index"] = 2;
    CHECK_THROWS_WITH(merge_shard_reports(shards),
                      Contains("shard-1/report.json: /shard/index: index 2 is out of range for 2"));
    shards = shard_set(2);
    shards[1].report["shard"]["index"] = -1;
    CHECK_THROWS_WITH(merge_shard_reports(shards), Contains("shard-1/report.json: /shard/index"));
}

TEST_CASE("a shard whose message numbers are not its index's is refused") {
    // The receiver join counts shard I's ids as n with (n - 1) mod N == I.
    auto shards = shard_set(2);
    shards[1].report["shard"]["numbers"]["first"] = 1;
    CHECK_THROWS_WITH(merge_shard_reports(shards),
                      Contains("shard-1/report.json: /shard/numbers: want {\"first\": 2, "
                               "\"stride\": 2} for shard 1 of 2"));
    shards = shard_set(2);
    shards[0].report["shard"].erase("numbers");
    CHECK_THROWS_WITH(merge_shard_reports(shards), Contains("shard-0/report.json: /shard/numbers"));
}
