// GET /api/v1/tracking through the store and the router (no sockets): the host filter,
// eviction, the JSON shape and the 400s. A hidden case ([.perf]) times a million messages.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "fake-mx/api/api_router.hpp"
#include "fake-mx/capture/capture_store.hpp"
#include "tests/unit/fakemx_capture/sample_messages.hpp"

using namespace relaylab::fakemx;
using nlohmann::json;

namespace {

void add(capture::CaptureStore& store, const std::string& tracking_id,
         const std::string& host = "mx1.test") {
    capture::testing::add_sample(store,
                                 {.tracking_id = tracking_id, .host = host, .body_bytes = 10});
}

json get_json(const api::ApiRouter& router, const std::string& target, unsigned want = 200) {
    api::ApiResponse r = router.handle("GET", target);
    INFO("GET " << target << " -> " << r.status << " " << r.body);
    CHECK(r.status == want);
    return json::parse(r.body);
}

}  // namespace

TEST_CASE("the store counts one run's numbers over every host, or over one") {
    capture::CaptureStore store({});
    for (int n : {1, 2, 3, 5})
        add(store, "r1-" + std::to_string(n));
    add(store, "r1-6", "mx2.test");
    add(store, "r1-3", "mx2.test");  // the same number at another host: a duplicate
    add(store, "r1-x");
    add(store, "r2-4");
    add(store, "");  // no tracking id at all

    capture::TrackingCoverage all = store.tracking_coverage("r1", "");
    CHECK(all.messages == 6);
    CHECK(all.distinct == 5);
    CHECK(all.duplicated == std::vector<std::uint64_t>{3});
    CHECK(all.ranges == std::vector<capture::TrackingRange>{{1, 3}, {5, 6}});
    CHECK(all.other == 1);

    capture::TrackingCoverage mx2 = store.tracking_coverage("r1", "mx2.test");
    CHECK(mx2.messages == 2);
    CHECK(mx2.duplicates == 0);
    CHECK(mx2.ranges == std::vector<capture::TrackingRange>{{3, 3}, {6, 6}});

    CHECK(store.tracking_coverage("r1", "nowhere.test").messages == 0);
    CHECK(store.tracking_coverage("r3", "").messages == 0);
}

TEST_CASE("evicted messages are no longer counted; cleared ones neither") {
    // The query spans several chunks: 3 * query_chunk messages, the oldest third evicted.
    const std::size_t held = 2 * capture::query_chunk;
    capture::CaptureStore store({.memory_limit = 0, .max_messages = held});
    const std::size_t sent = held + capture::query_chunk;
    for (std::size_t n = 1; n <= sent; ++n)
        add(store, "r1-" + std::to_string(n));
    capture::TrackingCoverage c = store.tracking_coverage("r1", "");
    CHECK(c.messages == held);
    CHECK(c.ranges == std::vector<capture::TrackingRange>{{sent - held + 1, sent}});

    store.clear();
    add(store, "r1-1");
    c = store.tracking_coverage("r1", "");
    CHECK(c.messages == 1);
    CHECK(c.ranges == std::vector<capture::TrackingRange>{{1, 1}});
}

TEST_CASE("GET /api/v1/tracking answers with the documented fields") {
    capture::CaptureStore store({});
    for (int n : {1, 2, 4, 4})
        add(store, "r1a2b3c4-" + std::to_string(n));
    add(store, "r1a2b3c4-04");
    add(store, "r1a2b3c4-9", "mx2.test");
    api::ApiRouter router(store, {});

    json c = get_json(router, "/api/v1/tracking?run_id=r1a2b3c4");
    CHECK(c == json::parse(R"({"run_id": "r1a2b3c4", "messages": 5, "distinct": 4,
        "duplicates": 1, "ranges": [[1, 2], [4, 4], [9, 9]], "ranges_truncated": false,
        "other": 1, "duplicated": [4]})"));

    c = get_json(router, "/api/v1/tracking?run_id=r1a2b3c4&host=mx2.test");
    CHECK(c["ranges"] == json::parse("[[9, 9]]"));
    CHECK(c["messages"] == 1);

    c = get_json(router, "/api/v1/tracking?run_id=unknown");
    CHECK(c["messages"] == 0);
    CHECK(c["ranges"] == json::array());
    CHECK(c["duplicated"] == json::array());
}

TEST_CASE("GET /api/v1/tracking refuses a missing or bad run_id and unknown parameters") {
    capture::CaptureStore store({});
    api::ApiRouter router(store, {});
    struct Case {
        std::string target;
        std::string error_mentions;
    };
    auto [target, mentions] = GENERATE(values<Case>({
        {"/api/v1/tracking", "required"},
        {"/api/v1/tracking?run_id=", "required"},
        {"/api/v1/tracking?run_id=" + std::string(129, 'a'), "129 bytes"},
        {"/api/v1/tracking?run_id=r%201", "'r 1'"},
        {"/api/v1/tracking?run_id=r/1", "A-Z a-z 0-9"},
        {"/api/v1/tracking?run_id=r1&limit=5", "limit"},
    }));
    json error = get_json(router, target, 400);
    INFO(error.dump());
    CHECK(error["error"].get<std::string>().find(mentions) != std::string::npos);

    CHECK(get_json(router, "/api/v1/tracking?run_id=" + std::string(128, 'a'), 200)["messages"] ==
          0);
    CHECK(router.handle("DELETE", "/api/v1/tracking?run_id=r1").status == 405);
}

TEST_CASE("a million indexed messages: the time of one answer", "[.perf]") {
    // Run by hand (unit binary with "[.perf]"); prints the figure, asserts only the counts.
    constexpr std::size_t total = 1'000'000;
    capture::CaptureStore store({.memory_limit = 0, .max_messages = total});
    for (std::size_t n = 1; n <= total; ++n)
        if (n % 1000 != 0) add(store, "perf-" + std::to_string(n));  // every 1000th lost
    for (std::size_t n = 1; store.counts().messages_stored < total; ++n)
        if (n % 1000 != 0) add(store, "perf-" + std::to_string(n));  // 1000 duplicates
    api::ApiRouter router(store, {});
    auto start = std::chrono::steady_clock::now();
    api::ApiResponse r = router.handle("GET", "/api/v1/tracking?run_id=perf");
    auto elapsed = std::chrono::steady_clock::now() - start;
    json c = json::parse(r.body);
    std::cout << "tracking coverage of " << total
              << " messages: " << std::chrono::duration<double, std::milli>(elapsed).count()
              << " ms, " << r.body.size() << " bytes, " << c["ranges"].size() << " ranges\n";
    CHECK(c["messages"] == total);
    CHECK(c["duplicates"] == 1000);
    CHECK(c["ranges"].size() == 1000);
}
