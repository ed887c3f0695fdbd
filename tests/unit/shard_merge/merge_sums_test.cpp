// What a merged report holds: sums of the shards' counts (totals, domains, nested count maps,
// receivers' accepted), the timeline aligned on wall-clock seconds, throughput over the whole
// span, missing and broken shards said, and the expectations judged again on the sums.
#include <catch2/catch.hpp>

#include "shard_fixtures.hpp"

using relaylab::reports::merge_shard_reports;
using relaylab::test::as_input;
using relaylab::test::shard_report;
using relaylab::test::shard_set;
using relaylab::test::ShardSpec;

namespace {

std::uint64_t series_sum(const nlohmann::json& timeline, const char* series) {
    std::uint64_t sum = 0;
    for (const auto& step : timeline)
        sum += step[series].get<std::uint64_t>();
    return sum;
}

const nlohmann::json& domain(const nlohmann::json& report, const std::string& name) {
    for (const auto& entry : report["domains"])
        if (entry["domain"] == name) return entry;
    FAIL("no domain " << name);
    throw;
}

}  // namespace

TEST_CASE("totals, domains and nested count maps are sums") {
    auto shards = shard_set(4);
    // One shard also mailed a domain the others did not.
    shards[2].report["domains"].push_back({{"domain", "aaa.test"},
                                           {"recipients", 5},
                                           {"delivered", 5},
                                           {"deferred", 0},
                                           {"bounced", 0},
                                           {"attempts", 5},
                                           {"replies", {{"250", 5}}}});
    shards[3].report["auth"]["dkim"]["fail"] = 7;
    const auto result = merge_shard_reports(shards);
    const nlohmann::json& merged = result.report;
    CHECK(result.exit_code == 0);
    CHECK(merged["totals"] == nlohmann::json{{"submitted", 8000},
                                             {"accepted", 8000},
                                             {"rejected", 0},
                                             {"delivered", 7992},
                                             {"deferred", 2720},
                                             {"bounced", 8},
                                             {"lost", 0},
                                             {"duplicates", 0},
                                             {"in_flight", 0}});
    CHECK(domain(merged, "gmail.test")["delivered"] == 4000);
    CHECK(domain(merged, "gmail.test")["replies"]["451"] == 2720);
    CHECK(domain(merged, "yahoo.test")["replies"]["550"] == 8);
    CHECK(domain(merged, "aaa.test")["delivered"] == 5);
    CHECK(merged["domains"][0]["domain"] == "aaa.test");  // name order, as a run writes them
    CHECK(merged["replies"]["receivers"]["451"] == 2720);
    CHECK(merged["replies"]["submission"]["250"] == 8000);
    CHECK(merged["auth"]["spf"]["pass"] == 4 * 1998);
    CHECK(merged["auth"]["dkim"]["fail"] == 7);
    CHECK(merged["tls"]["versions"]["TLSv1.3"] == 4 * 1598);
    CHECK(merged["tls"]["submission"]["none"] == 8000);
    CHECK(merged["world"]["mx"][0]["accepted"] == 4000);
    CHECK(merged["world"]["mx"][0]["behaviour"] == "preset greylist");
    CHECK(merged["traffic"]["count"] == 8000);
    CHECK(merged["traffic"]["concurrency"] == 40);
    CHECK(merged["traffic"]["rate"].is_null());
    CHECK(merged["traffic"]["arrivals"] == "closed_loop");
    CHECK(merged["shards"]["merged"] == nlohmann::json{0, 1, 2, 3});
    CHECK(merged["shards"]["missing"].empty());
    CHECK(merged["shards"]["sources"][1] == "shard-1/report.json");
    CHECK_FALSE(merged.contains("shard"));
    CHECK(merged["run_id"] == "r7f3a2c");
    CHECK(merged["error"].is_null());
}

TEST_CASE("a count that is not a count is refused, naming file and pointer") {
    auto shards = shard_set(2);
    shards[1].report["replies"]["receivers"]["250"] = -3;
    CHECK_THROWS_WITH(merge_shard_reports(shards),
                      Catch::Contains("shard-1/report.json: /replies/receivers/250"));
    shards = shard_set(2);
    shards[1].report["totals"]["accepted"] = "2000";
    CHECK_THROWS_WITH(merge_shard_reports(shards),
                      Catch::Contains("shard-1/report.json: /totals/accepted: want a count"));
}

TEST_CASE("timeline steps land on wall-clock seconds from each shard's start") {
    ShardSpec a, b;
    a.index = 0;
    b.index = 1;
    b.started_ms = a.started_ms + 2400;  // 2.4 s later
    auto first = shard_report(a);
    auto second = shard_report(b);
    second["started_at"] = "2026-12-02T13:40:02.523Z";
    // Inputs given latest first: the merge orders them itself.
    const auto merged = merge_shard_reports({as_input(second), as_input(first)}).report;
    const nlohmann::json& timeline = merged["throughput"]["timeline"];
    CHECK(merged["throughput"]["timeline_step_s"] == 1);
    CHECK(merged["started_at"] == "2026-12-02T13:40:00.123Z");
    // Shard 0's t=2 (410 submitted) and shard 1's t=0 (400, placed at 2.4 s).
    CHECK(timeline[2]["submitted"] == 410 + 400);
    CHECK(timeline[3]["submitted"] == 400 + 420);
    CHECK(timeline[0]["submitted"] == 400);
    CHECK(timeline[7]["delivered"] == 268);  // shard 1's last step, t=5
    CHECK(series_sum(timeline, "submitted") == 4000);
    CHECK(series_sum(timeline, "delivered") == 2 * 1998);
    // From the earliest start to the latest end: 2.4 + 14.82.
    CHECK(merged["duration_s"].get<double>() == Approx(17.22));
    // Accepted over the span to the last accept: 4000 / (2.4 + 4.9) = 547.9.
    CHECK(merged["throughput"]["submit_per_s"] == 547.9);
    CHECK(merged["throughput"]["delivered_per_s"].get<double>() ==
          Approx(3996 / (2.4 + 5.9)).margin(0.05));
}

TEST_CASE("a long run's timeline doubles its step, counts kept") {
    ShardSpec a, b;
    a.index = 0;
    b.index = 1;
    b.started_ms = a.started_ms + 1'799'000;  // its steps land past 1800 s
    auto first = shard_report(a);
    auto second = shard_report(b);
    first["throughput"]["timeline"] = nlohmann::json::array();
    for (int t = 0; t < 1800; ++t)
        first["throughput"]["timeline"].push_back({{"t", t},
                                                   {"submitted", 1},
                                                   {"accepted", 1},
                                                   {"rejected", 0},
                                                   {"delivered", 1},
                                                   {"deferred", 0},
                                                   {"bounced", 0}});
    first["duration_s"] = 1800;
    second["duration_s"] = 10;
    const auto merged = merge_shard_reports({as_input(first), as_input(second)}).report;
    CHECK(merged["throughput"]["timeline_step_s"] == 2);
    CHECK(merged["throughput"]["timeline"].size() <= 1800);
    CHECK(series_sum(merged["throughput"]["timeline"], "submitted") == 1800 + 2000);
    CHECK(merged["throughput"]["timeline"][1]["t"] == 2);
}

TEST_CASE("a missing shard: what is there is merged, the report says which is missing") {
    auto shards = shard_set(4);
    shards.erase(shards.begin() + 2);
    const auto result = merge_shard_reports(shards);
    CHECK(result.exit_code == 3);
    CHECK(result.report["passed"] == false);
    CHECK(result.report["error"] ==
          "shard 2 of 4 is missing: its report was not given (the merged figures cover 3 of 4 "
          "shards)");
    CHECK(result.report["shards"]["missing"] == nlohmann::json{2});
    CHECK(result.report["shards"]["merged"] == nlohmann::json{0, 1, 3});
    CHECK(result.report["totals"]["submitted"] == 6000);
}

TEST_CASE("a shard whose run broke is merged and named") {
    auto shards = shard_set(2);
    shards[1].report["error"] = "the relay stopped answering";
    const auto result = merge_shard_reports(shards);
    CHECK(result.exit_code == 3);
    CHECK(result.report["passed"] == false);
    CHECK(result.report["shards"]["failed"] ==
          nlohmann::json::array({{{"index", 1}, {"error", "the relay stopped answering"}}}));
    CHECK(result.report["error"] == "shard 1 of 2 broke: the relay stopped answering");
    CHECK(result.report["totals"]["submitted"] == 4000);
}

TEST_CASE("expectations are judged again on the merged figures") {
    SECTION("one that passes on every shard fails merged") {
        auto shards = shard_set(2);
        for (auto& shard : shards) {
            shard.report["totals"]["lost"] = 2;
            shard.report["expectations"] = {{{"name", "few lost"},
                                             {"expected", "totals.lost <= 3"},
                                             {"actual", "2"},
                                             {"passed", true}}};
            shard.report["passed"] = true;
        }
        const auto result = merge_shard_reports(shards);
        CHECK(result.exit_code == 1);
        CHECK(result.report["passed"] == false);
        CHECK(result.report["expectations"][0]["name"] == "few lost");
        CHECK(result.report["expectations"][0]["actual"] == "4");
        CHECK(result.report["expectations"][0]["passed"] == false);
    }
    SECTION("one that fails on every shard passes merged") {
        auto shards = shard_set(2);
        for (auto& shard : shards)
            shard.report["expectations"] = {{{"name", "volume"},
                                             {"expected", "totals.delivered >= 3000"},
                                             {"actual", "1998"},
                                             {"passed", false}}};
        const auto result = merge_shard_reports(shards);
        CHECK(result.exit_code == 0);
        CHECK(result.report["passed"] == true);
        CHECK(result.report["expectations"][0]["actual"] == "3996");
    }
    SECTION("a ratio is of the sums, not an average of the shards' ratios") {
        auto shards = shard_set(2);
        // 2,000 delivered on shard 0 against 2 on shard 1: the shards' ratios average to 0.5,
        // the sums give 1998 / 2000.
        shards[0].report["totals"]["delivered"] = 1998;
        shards[1].report["totals"]["delivered"] = 2;
        shards[1].report["auth"]["dmarc"] = {{"fail", 2}};
        for (auto& shard : shards)
            shard.report["expectations"] = {
                {{"name", "dmarc"},
                 {"expected", "auth.dmarc.pass / totals.delivered >= 0.99"},
                 {"actual", "?"},
                 {"passed", false}}};
        const auto result = merge_shard_reports(shards);
        CHECK(result.report["expectations"][0]["passed"] == true);
        CHECK(result.report["expectations"][0]["actual"] == "0.999 (1998 / 2000)");
        CHECK(result.exit_code == 0);
    }
    SECTION("an expectation that does not parse is not a pass") {
        auto shards = shard_set(2);
        for (auto& shard : shards)
            shard.report["expectations"] = {
                {{"name", "x"}, {"expected", "totals.lost =="}, {"actual", "0"}, {"passed", true}}};
        const auto result = merge_shard_reports(shards);
        CHECK(result.exit_code == 1);
        CHECK_THAT(result.report["expectations"][0]["actual"].get<std::string>(),
                   Catch::StartsWith("cannot be judged again: "));
    }
}

TEST_CASE("deliverability counts are summed and its rates computed again") {
    auto shards = shard_set(2);
    for (std::size_t i = 0; i < 2; ++i) {
        shards[i].report["deliverability"] = {
            {"placement",
             {{"gmail", {{"inbox", 90}, {"spam", 10}, {"rejected", 0}, {"deferred", 0}}}}},
            {"spam",
             {{"scored", i == 0 ? 100 : 300},
              {"failed", 0},
              {"mean_score", i == 0 ? 1.0 : 3.0},
              {"top_rules", {{{"name", "HTML_ONLY"}, {"count", 5}}}}}},
            {"unsubscribe",
             {{"messages", 100},
              {"list_unsubscribe", 100},
              {"one_click", 100},
              {"unsubscribed", i == 0 ? nlohmann::json(3) : nlohmann::json(nullptr)},
              {"sent_after_unsubscribe", 0}}},
            {"engagement",
             {{"delivered", 100},
              {"opens", i == 0 ? 10 : 30},
              {"clicks", 5},
              {"open_rate", 0.1},
              {"click_rate", 0.05},
              {"true_open_rate", nullptr},
              {"true_click_rate", nullptr}}},
            {"quotas", {{"deferred_by_quota", 2}}},
            {"complaints",
             {{"reported", 1}, {"inbox", 90}, {"rate", 0.011111}, {"receiver_deferred", 0}}}};
    }
    const auto merged = merge_shard_reports(shards).report;
    const nlohmann::json& d = merged["deliverability"];
    CHECK(d["placement"]["gmail"]["inbox"] == 180);
    CHECK(d["spam"]["scored"] == 400);
    CHECK(d["spam"]["mean_score"] == 2.5);  // (1 * 100 + 3 * 300) / 400
    CHECK(d["spam"]["top_rules"][0] == nlohmann::json{{"name", "HTML_ONLY"}, {"count", 10}});
    CHECK(d["unsubscribe"]["unsubscribed"].is_null());  // one shard could not know
    CHECK(d["engagement"]["opens"] == 40);
    CHECK(d["engagement"]["open_rate"] == 0.2);
    CHECK(d["quotas"]["deferred_by_quota"] == 4);
    CHECK(d["complaints"]["rate"] == 0.011111);
}
