// The dashboard's other answers through curl: the page (stylesheet inline, the latest sections
// in <main id="report">, the EventSource script), /snapshot.json, and what it refuses.
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "dashboard_test_support.hpp"
#include "harness/runner/dashboard.hpp"
#include "harness/runner/dashboard_page.hpp"
#include "tests/integration/fakemx_api/curl_client.hpp"

using namespace relaylab::runner;
using namespace relaylab::runner::testing;
using relaylab::fakemx::api::testing::curl;

TEST_CASE("url() names the loopback address and the ephemeral port") {
    Dashboard dashboard({});
    CHECK(dashboard.url().empty());
    dashboard.start();
    CHECK(dashboard.port() != 0);
    CHECK(dashboard.url() == "http://127.0.0.1:" + std::to_string(dashboard.port()) + "/");
}

TEST_CASE("GET /: a self-contained page that shows the latest state before any script runs") {
    Dashboard dashboard({});
    dashboard.start();
    auto before = curl({dashboard.url()});
    REQUIRE(before.status == 200);
    CHECK(before.header("Content-Type") == "text/html; charset=utf-8");
    CHECK_THAT(before.body, Catch::Contains("<main id=\"report\">\n" +
                                            std::string(dashboard_waiting_html) + "\n</main>"));
    CHECK_THAT(before.body,
               Catch::Contains("<style>\n" + std::string(relaylab::reports::html_stylesheet()) +
                               "\n</style>"));
    CHECK_THAT(before.body, Catch::Contains("new EventSource(\"/events\")"));
    CHECK_THAT(before.body, Catch::Contains("\"run finished\""));
    CHECK_THAT(before.body, Catch::Contains("source.close()"));
    // Nothing loaded from elsewhere: no src= or href= at all.
    CHECK_FALSE(std::regex_search(before.body, std::regex("(src|href)\\s*=")));

    dashboard.publish(snapshot(3));
    auto after = curl({dashboard.url()});
    CHECK_THAT(after.body,
               Catch::Contains("<main id=\"report\">\n" + rendered(snapshot(3)) + "\n</main>"));
}

TEST_CASE("GET /snapshot.json: {} before the first publish, then exactly the last one") {
    Dashboard dashboard({});
    dashboard.start();
    auto empty = curl({dashboard.url() + "snapshot.json"});
    CHECK(empty.status == 200);
    CHECK(empty.header("Content-Type") == "application/json");
    CHECK(nlohmann::json::parse(empty.body) == nlohmann::json::object());
    for (int n = 1; n <= 3; ++n)
        dashboard.publish(snapshot(n));
    auto last = curl({dashboard.url() + "snapshot.json"});
    CHECK(nlohmann::json::parse(last.body) == snapshot(3));
    // A query string does not change the resource.
    auto queried = curl({dashboard.url() + "snapshot.json?t=12345"});
    CHECK(nlohmann::json::parse(queried.body) == snapshot(3));
}

TEST_CASE("a snapshot that is not valid UTF-8 is still served as JSON, not an exception") {
    Dashboard dashboard({});
    dashboard.start();
    nlohmann::json hostile = snapshot(1);
    hostile["scenario"] = std::string("bad \xff\xfe utf-8");
    dashboard.publish(hostile);
    auto answer = curl({dashboard.url() + "snapshot.json"});
    CHECK(answer.status == 200);
    CHECK_NOTHROW(nlohmann::json::parse(answer.body));
}

TEST_CASE("other paths are 404, other methods 405 naming GET") {
    Dashboard dashboard({});
    dashboard.start();
    CHECK(curl({dashboard.url() + "nope"}).status == 404);
    CHECK(curl({dashboard.url() + "events/../etc/passwd", "--path-as-is"}).status == 404);
    for (const char* path : {"", "events", "snapshot.json"}) {
        INFO(path);
        auto answer = curl({"-X", "POST", "-d", "x", dashboard.url() + path});
        CHECK(answer.status == 405);
        CHECK(answer.header("Allow") == "GET");
    }
    CHECK(curl({"-X", "DELETE", dashboard.url() + "nope"}).status == 404);
}
