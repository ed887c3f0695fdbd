// /events as a browser's EventSource sees it (curl --no-buffer): the latest state at once,
// one event per publish in order with the renderer's output, pings on an idle stream, and an
// "end" event with the final report when the run finishes, after which the stream ends
// properly (the last chunk) and the server is gone.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "dashboard_test_support.hpp"
#include "event_stream_reader.hpp"
#include "harness/runner/dashboard.hpp"
#include "harness/runner/dashboard_page.hpp"

using namespace relaylab::runner;
using namespace relaylab::runner::testing;
using namespace std::chrono_literals;

namespace {

auto has_events(std::size_t n) {
    return [n](const EventStreamReader::Events& events) { return events.size() >= n; };
}

}  // namespace

TEST_CASE("events: the latest state at once, then each publish in order with its rendering") {
    Dashboard dashboard({});
    dashboard.start();
    EventStreamReader viewer(dashboard.url() + "events", 20s);
    REQUIRE(viewer.wait_for(has_events(1), 5s));
    std::vector<nlohmann::json> published;
    for (int n = 1; n <= 3; ++n) {
        published.push_back(snapshot(n));
        dashboard.publish(published.back());
        // One at a time: a viewer that is behind skips to the latest state (by design), and
        // this test is about each state arriving.
        REQUIRE(viewer.wait_for(has_events(1 + n), 5s));
    }
    auto events = viewer.events();
    REQUIRE(events.size() == 4);
    CHECK(events[0].name.empty());
    CHECK(events[0].id == "0");
    CHECK(events[0].data == dashboard_waiting_html);
    for (int n = 1; n <= 3; ++n) {
        INFO("event " << n);
        CHECK(events[n].name.empty());  // the browser's "message" event
        CHECK(events[n].id == std::to_string(n));
        CHECK(events[n].data == rendered_as_event(published[n - 1]));
    }
    std::string headers = viewer.headers();
    CHECK_THAT(headers, Catch::StartsWith("HTTP/1.1 200"));
    CHECK_THAT(headers, Catch::Contains("Content-Type: text/event-stream"));
    CHECK_THAT(headers, Catch::Contains("Cache-Control: no-cache"));
    CHECK_THAT(headers, Catch::Contains("Transfer-Encoding: chunked"));
}

TEST_CASE("events: a viewer arriving mid-run gets the latest state first, not the waiting page") {
    Dashboard dashboard({});
    dashboard.start();
    dashboard.publish(snapshot(1));
    dashboard.publish(snapshot(2));
    EventStreamReader viewer(dashboard.url() + "events", 20s);
    REQUIRE(viewer.wait_for(has_events(1), 5s));
    auto events = viewer.events();
    CHECK(events[0].id == "2");
    CHECK(events[0].data == rendered_as_event(snapshot(2)));
}

TEST_CASE("events: a rendering over many lines arrives whole, line breaks and all") {
    // Through the real wire format: one "data:" line per line, joined back by the reader.
    Dashboard dashboard({});
    dashboard.start();
    EventStreamReader viewer(dashboard.url() + "events", 20s);
    REQUIRE(viewer.wait_for(has_events(1), 5s));
    auto document = snapshot(1, "\nsecond line\r\nthird\n");
    dashboard.publish(document);
    REQUIRE(viewer.wait_for(has_events(2), 5s));
    CHECK(viewer.events()[1].data == rendered_as_event(document));
}

TEST_CASE("events: publishers on several threads; every viewer sees ids only increase") {
    Dashboard dashboard({});
    dashboard.start();
    EventStreamReader first(dashboard.url() + "events", 20s);
    EventStreamReader second(dashboard.url() + "events", 20s);
    REQUIRE(first.wait_for(has_events(1), 5s));
    REQUIRE(second.wait_for(has_events(1), 5s));
    std::vector<std::thread> publishers;
    for (int t = 0; t < 4; ++t) {
        publishers.emplace_back([&dashboard, t] {
            for (int i = 0; i < 50; ++i)
                dashboard.publish(snapshot(t * 1000 + i));
        });
    }
    for (auto& publisher : publishers)
        publisher.join();
    // 200 publishes: the last one is id 200, whichever thread made it.
    auto reached_last = [](const EventStreamReader::Events& events) {
        return !events.empty() && events.back().id == "200";
    };
    for (EventStreamReader* viewer : {&first, &second}) {
        REQUIRE(viewer->wait_for(reached_last, 5s));
        auto events = viewer->events();
        for (std::size_t i = 1; i < events.size(); ++i) {
            INFO("event " << i);
            CHECK(std::stoul(events[i].id) > std::stoul(events[i - 1].id));
        }
    }
}

TEST_CASE("events: an idle stream gets a comment ping every ping_interval") {
    Dashboard dashboard({.ping_interval = 200ms});
    dashboard.start();
    EventStreamReader viewer(dashboard.url() + "events", 20s);
    REQUIRE(viewer.wait_for(has_events(1), 5s));
    auto started = std::chrono::steady_clock::now();
    while (viewer.comments() < 3 && std::chrono::steady_clock::now() - started < 5s)
        std::this_thread::sleep_for(20ms);
    CHECK(viewer.comments() >= 3);
    CHECK(std::chrono::steady_clock::now() - started >= 400ms);  // not sent back to back
    CHECK(viewer.events().size() == 1);  // pings are not events the page sees
}

TEST_CASE("finish: an 'end' event with the final report, a proper end, then the server is gone") {
    Dashboard dashboard({});
    dashboard.start();
    std::string url = dashboard.url();
    EventStreamReader viewer(url + "events", 20s);
    REQUIRE(viewer.wait_for(has_events(1), 5s));
    dashboard.publish(snapshot(1));
    REQUIRE(viewer.wait_for(has_events(2), 5s));
    nlohmann::json final_report = snapshot(99);
    final_report["passed"] = true;
    dashboard.finish(final_report);
    // 0: curl saw the chunked body's last chunk (a cut stream exits 18).
    CHECK(viewer.wait_exit(5s) == 0);
    auto events = viewer.events();
    REQUIRE(events.size() == 3);
    CHECK(events[2].name == "end");
    CHECK(events[2].id == "2");
    CHECK(events[2].data == rendered_as_event(final_report));
    // Stopped: nothing listens any more.
    EventStreamReader late(url + "events", 5s);
    CHECK(late.wait_exit(5s) == 7);  // curl: failed to connect
    // Later calls are harmless.
    dashboard.publish(snapshot(100));
    dashboard.finish(final_report);
    dashboard.stop();
}

TEST_CASE("finish with no viewer, and without start, returns at once") {
    Dashboard started({});
    started.start();
    auto before = std::chrono::steady_clock::now();
    started.finish(snapshot(1));
    CHECK(std::chrono::steady_clock::now() - before < 1s);
    Dashboard never_started({});
    never_started.publish(snapshot(1));
    never_started.finish(snapshot(2));
    CHECK(never_started.port() == 0);
}

TEST_CASE("events over HTTP/1.0: close-delimited, and the close after 'end' ends it") {
    Dashboard dashboard({});
    dashboard.start();
    RawClient client(dashboard.port());
    REQUIRE(client.connected());
    REQUIRE(client.send("GET /events HTTP/1.0\r\n\r\n"));
    std::string head = client.read_until("\n\n");
    CHECK_THAT(head, Catch::StartsWith("HTTP/1.0 200"));
    CHECK_THAT(head, !Catch::Contains("Transfer-Encoding"));
    CHECK_THAT(head, Catch::Contains("\r\n\r\nid: 0\ndata: "));
    std::thread finisher([&] { dashboard.finish(snapshot(5)); });
    std::string rest;
    CHECK(client.read_to_close(rest));
    finisher.join();
    // Only the end event follows the first one (nothing else was published).
    auto events = parse_event_stream(rest);
    REQUIRE(events.size() == 1);
    CHECK(events[0].name == "end");
    CHECK(events[0].id == "1");
    CHECK(events[0].data == rendered_as_event(snapshot(5)));
}
