#include <catch2/catch.hpp>
#include <memory>

#include "fake-mx/capture/capture_json.hpp"
#include "fake-mx/capture/capture_store.hpp"
#include "fake-mx/capture/storing_transcript_observer.hpp"

using namespace relaylab::fakemx::capture;
using relaylab::smtp::ConnectionInfo;
using Steady = std::chrono::steady_clock;

namespace {
ConnectionInfo connection(const char* id, const char* ip) {
    return ConnectionInfo{.session_id = id, .client_address = ip, .client_port = 5555};
}
}  // namespace

TEST_CASE("a transcript keeps commands and replies with their time since the connect") {
    TranscriptRecorder recorder(connection("s1", "127.0.0.2"), "mx1.test");
    auto t0 = Steady::now();
    recorder.record(TranscriptSide::server, "220 mx1.test ESMTP\r\n", t0);
    recorder.record(TranscriptSide::client, "EHLO relay.test", t0 + std::chrono::milliseconds(15));
    recorder.record(TranscriptSide::server, "250-mx1.test\r\n250 PIPELINING\r\n",
                    t0 + std::chrono::milliseconds(16));
    SessionRecord record = recorder.finish();
    CHECK(record.session_id == "s1");
    CHECK(record.host == "mx1.test");
    CHECK(record.client_ip == "127.0.0.2");
    REQUIRE(record.lines.size() == 3);
    CHECK(record.lines[0].text == "220 mx1.test ESMTP");
    CHECK(record.lines[1].side == TranscriptSide::client);
    CHECK(record.lines[1].at_ms >= 15);
    CHECK(record.lines[2].at_ms >= record.lines[1].at_ms);
    CHECK(record.lines[2].text == "250-mx1.test\r\n250 PIPELINING");
    CHECK(record.closed_at >= record.connected_at);
}

TEST_CASE("a transcript is bounded in lines and bytes per line") {
    TranscriptRecorder recorder(connection("s1", "127.0.0.1"), "mx",
                                {.max_lines = 3, .max_line_bytes = 10});
    for (int i = 0; i < 5; ++i)
        recorder.on_command("NOOP a very long argument");
    SessionRecord record = recorder.finish();
    REQUIRE(record.lines.size() == 3);
    CHECK(record.lines_dropped == 2);
    CHECK(record.lines[0].text == "NOOP a ver");
    CHECK(record.lines[0].truncated);
    auto json = session_json(record);
    CHECK(json["transcript"][0]["truncated"] == true);
    CHECK(json["lines_dropped"] == 2);
}

TEST_CASE("the storing observer hands its transcript to the store when the connection ends") {
    CaptureStore store({});
    {
        auto observer = std::make_unique<StoringTranscriptObserver>(
            store, connection("s1", "127.0.0.3"), "mx2");
        observer->on_reply("220 hi\r\n");
        observer->on_command("QUIT");
        CHECK(store.sessions({}, 0, 10).total == 0);  // not before the close
    }
    SessionPage page = store.sessions({}, 0, 10);
    REQUIRE(page.total == 1);
    CHECK(page.sessions[0].id == 1);
    CHECK(page.sessions[0].lines.size() == 2);
    CHECK(page.sessions[0].host == "mx2");
}

TEST_CASE("sessions are filtered, paged newest first, and evicted by count and bytes") {
    CaptureStore store({.max_sessions = 3});
    for (int i = 0; i < 5; ++i) {
        SessionRecord r{.session_id = "s" + std::to_string(i),
                        .host = i % 2 ? "mx1" : "mx2",
                        .client_ip = i < 4 ? "127.0.0.1" : "127.0.0.9"};
        store.add_session(std::move(r));
    }
    SessionPage all = store.sessions({}, 0, 10);
    CHECK(all.total == 3);
    CHECK(all.sessions[0].session_id == "s4");
    CHECK(store.sessions({.client_ip = "127.0.0.9"}, 0, 10).total == 1);
    CHECK(store.sessions({.host = "mx1"}, 0, 10).total == 1);  // s3; s1 was evicted
    CHECK(store.sessions({}, 1, 1).sessions[0].session_id == "s3");
    CHECK(store.counts().sessions_evicted == 2);

    CaptureStore small({.session_memory_limit = 4096});
    for (int i = 0; i < 50; ++i) {
        SessionRecord r{.session_id = "s"};
        r.lines.resize(10, TranscriptLine{.text = std::string(100, 'x')});
        small.add_session(std::move(r));
    }
    CHECK(small.counts().sessions_stored < 5);
    CHECK(small.counts().sessions_stored >= 1);
}

TEST_CASE("the store re-applies transcript limits to records from elsewhere") {
    CaptureStore store({.transcript = {.max_lines = 2, .max_line_bytes = 4}});
    SessionRecord r;
    r.lines.resize(5, TranscriptLine{.text = "abcdefgh"});
    store.add_session(std::move(r));
    SessionRecord got = store.sessions({}, 0, 1).sessions.at(0);
    CHECK(got.lines.size() == 2);
    CHECK(got.lines_dropped == 3);
    CHECK(got.lines[0].text == "abcd");
}
