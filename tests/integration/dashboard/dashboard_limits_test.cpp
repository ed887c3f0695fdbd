// The dashboard's bounds: a viewer that never reads is cut after the write deadline while
// publish() goes on undisturbed and the other viewers keep up; beyond max_viewers a stream is
// refused with 503 and a viewer that leaves frees its place; a port in use is a clear error.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>

#include "dashboard_test_support.hpp"
#include "event_stream_reader.hpp"
#include "harness/runner/dashboard.hpp"
#include "tests/integration/fakemx_api/curl_client.hpp"

using namespace relaylab::runner;
using namespace relaylab::runner::testing;
using namespace std::chrono_literals;
using relaylab::fakemx::api::testing::curl;
using Clock = std::chrono::steady_clock;

namespace {

auto has_events(std::size_t n) {
    return [n](const EventStreamReader::Events& events) { return events.size() >= n; };
}

auto has_id(std::string id) {
    return [id](const EventStreamReader::Events& events) {
        return !events.empty() && events.back().id == id;
    };
}

}  // namespace

TEST_CASE("a viewer that never reads is cut after the deadline; publish never waits for it") {
    Dashboard dashboard({.max_viewers = 2, .event_write_timeout = 1s});
    dashboard.start();
    // A 4 KiB receive window that is never read: the server's writes stall once the kernel
    // buffers between them are full, a few hundred KiB in.
    RawClient stalled(dashboard.port(), 4096);
    REQUIRE(stalled.connected());
    REQUIRE(stalled.send("GET /events HTTP/1.1\r\nHost: dashboard\r\n\r\n"));
    EventStreamReader healthy(dashboard.url() + "events", 30s);
    REQUIRE(healthy.wait_for(has_events(1), 5s));

    // Snapshots of 128 KiB for 3 s (three deadlines) and at least 16 MiB in all.
    const std::string padding(128 * 1024, 'x');
    // The premise: every event is at least as big as its padding once rendered.
    REQUIRE(rendered_as_event(snapshot(1, padding)).size() >= padding.size());
    std::size_t published_bytes = 0;
    int published = 0;
    auto slowest = Clock::duration::zero();
    auto started = Clock::now();
    while ((Clock::now() - started < 3s || published_bytes < 16 * 1024 * 1024) &&
           Clock::now() - started < 15s) {
        auto document = snapshot(++published, padding);
        auto before = Clock::now();
        dashboard.publish(document);
        slowest = std::max(slowest, Clock::now() - before);
        published_bytes += padding.size();
        std::this_thread::sleep_for(10ms);
    }
    INFO("published " << published << " snapshots, " << published_bytes << " bytes");
    // publish() renders and hands the event over; it never waits on a viewer's socket.
    CHECK(slowest < 250ms);

    // The reader kept up: it has the last state, and every event it got was newer than the one
    // before (a reader that falls behind skips states rather than lagging).
    REQUIRE(healthy.wait_for(has_id(std::to_string(published)), 10s));
    auto events = healthy.events();
    CHECK(events.size() >= 20);
    for (std::size_t i = 1; i < events.size(); ++i) {
        INFO("event " << i);
        REQUIRE(std::stoul(events[i].id) > std::stoul(events[i - 1].id));
    }
    CHECK(events.back().data == rendered_as_event(snapshot(published, padding)));

    // The stalled viewer was closed by the server while the run goes on: reading it now gets
    // what was in the buffers, then the close, with no end of the chunked body (it was cut).
    stalled.set_read_timeout(5);
    std::string received;
    CHECK(stalled.read_to_close(received));
    CHECK(received.size() < published_bytes / 4);
    CHECK_THAT(received, Catch::StartsWith("HTTP/1.1 200"));
    CHECK_THAT(received, !Catch::EndsWith("\r\n0\r\n\r\n"));

    // Its place is free again: with max_viewers 2, a new viewer is let in.
    EventStreamReader newcomer(dashboard.url() + "events", 10s);
    CHECK(newcomer.wait_for(has_events(1), 5s));
    dashboard.finish(snapshot(0));
    CHECK(healthy.wait_exit(5s) == 0);
}

TEST_CASE("beyond max_viewers: 503 at once; the page still loads; a viewer leaving frees a place") {
    Dashboard dashboard({.max_viewers = 2});
    dashboard.start();
    EventStreamReader first(dashboard.url() + "events", 20s);
    EventStreamReader second(dashboard.url() + "events", 20s);
    REQUIRE(first.wait_for(has_events(1), 5s));
    REQUIRE(second.wait_for(has_events(1), 5s));

    auto started = Clock::now();
    auto refused = curl({dashboard.url() + "events"});
    CHECK(refused.status == 503);
    CHECK_THAT(refused.body, Catch::Contains("too many dashboard viewers (2)"));
    CHECK(Clock::now() - started < 2s);
    CHECK(curl({dashboard.url()}).status == 200);
    CHECK(curl({dashboard.url() + "snapshot.json"}).status == 200);

    // The viewer closes its tab; the server notices at its next write to it (a publish).
    first.stop();
    REQUIRE(first.wait_exit(5s) >= 0);
    int status = 0;
    for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
        dashboard.publish(snapshot(attempt));
        std::this_thread::sleep_for(100ms);
        // --max-time 1 ends curl's wait on a stream that was let in; the status is what counts.
        status = curl({"--max-time", "1", dashboard.url() + "events"}).status;
    }
    CHECK(status == 200);
    // The one that stayed was never disturbed.
    CHECK(second.wait_for(has_events(2), 5s));
}

TEST_CASE("start on a port in use, or a bad address: std::system_error naming it") {
    Dashboard first({});
    first.start();
    std::string where = "127.0.0.1:" + std::to_string(first.port());
    Dashboard second({.port = first.port()});
    CHECK_THROWS_WITH(second.start(), Catch::Contains(where));
    CHECK_THROWS_AS(second.start(), std::system_error);
    Dashboard bad({.address = "dashboard.example"});
    CHECK_THROWS_WITH(bad.start(), Catch::Contains("dashboard.example"));
}
