#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "harness/runner/timeline.hpp"

using namespace relaylab::runner;

TEST_CASE("the timeline counts per second and pads to the run's end", "[runner][timeline]") {
    Timeline timeline;
    timeline.add(0.2, TimelineSeries::submitted);
    timeline.add(0.9, TimelineSeries::submitted);
    timeline.add(2.5, TimelineSeries::delivered, 3);
    nlohmann::json points = timeline.to_json(4.0);
    REQUIRE(points.size() == 4);
    CHECK(points[0]["submitted"] == 2);
    CHECK(points[1]["submitted"] == 0);
    CHECK(points[2]["delivered"] == 3);
    CHECK(points[3]["t"] == 3.0);
}

TEST_CASE("a long run merges steps instead of growing", "[runner][timeline]") {
    Timeline timeline(100);
    std::uint64_t total = 0;
    for (int second = 0; second < 1000; ++second) {
        timeline.add(second + 0.5, TimelineSeries::accepted, 2);
        total += 2;
    }
    CHECK(timeline.size() <= 100);
    CHECK(timeline.step_s() == 16);
    std::uint64_t sum = 0;
    for (const auto& point : timeline.to_json(0))
        sum += point["accepted"].get<std::uint64_t>();
    CHECK(sum == total);                         // nothing lost in the merges
    timeline.add(-5, TimelineSeries::rejected);  // a clock step back lands in the first step
    CHECK(timeline.to_json(0)[0]["rejected"] == 1);
}
