#include "shard_fixtures.hpp"

#include <catch2/catch.hpp>
#include <fstream>

namespace relaylab::test {

nlohmann::json example_report() {
    std::ifstream in(RELAYLAB_REPORT_EXAMPLE);
    REQUIRE(in);
    return nlohmann::json::parse(in);
}

nlohmann::json shard_report(const ShardSpec& spec) {
    nlohmann::json report = example_report();
    load::LatencyHistogram submit = spec.submit;
    load::LatencyHistogram end_to_end = spec.end_to_end;
    if (submit.empty()) submit.record(4000, 2000);
    if (end_to_end.empty()) end_to_end.record(900'000, 1998);
    report["shard"] = {
        {"index", spec.index},
        {"count", spec.count},
        {"role", "full"},
        {"scenario_digest", "sha256:" + std::string(64, 'a')},
        {"numbers",
         {{"first", spec.index + 1},
          {"stride", spec.count},
          {"planned", 2000},
          {"planned_total", 2000 * spec.count}}},
        {"histograms",
         {{"submit", submit.to_json(true)}, {"end_to_end", end_to_end.to_json(true)}}},
        {"started_at_unix_ms", spec.started_ms},
        {"last_accept_s", 4.9},
        {"last_delivery_s", 5.9}};
    return report;
}

reports::ShardReport as_input(nlohmann::json report) {
    const std::string index = report["shard"]["index"].dump();
    return reports::ShardReport{"shard-" + index + "/report.json", std::move(report)};
}

std::vector<reports::ShardReport> shard_set(std::uint64_t count) {
    std::vector<reports::ShardReport> shards;
    for (std::uint64_t i = 0; i < count; ++i) {
        ShardSpec spec;
        spec.index = i;
        spec.count = count;
        shards.push_back(as_input(shard_report(spec)));
    }
    return shards;
}

}  // namespace relaylab::test
