// ResponseStream between producers and the server: bounded queue (a reader that falls behind
// is cut), latest-state replacement, a clean close, and the server's detach ending it all.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "harness/http/response_stream.hpp"

using relaylab::http::ResponseStream;
using relaylab::http::StreamLimits;
using namespace std::chrono_literals;

TEST_CASE("pushes are taken in order, all at once") {
    ResponseStream stream;
    CHECK(stream.push("one "));
    CHECK(stream.push("two"));
    auto taken = stream.take();
    CHECK(taken.bytes == "one two");
    CHECK_FALSE(taken.last);
    CHECK_FALSE(taken.cut);
    CHECK(stream.take().bytes.empty());
    CHECK_FALSE(stream.ended());
}

TEST_CASE("a push beyond max_pending_bytes cuts the stream instead of buffering") {
    ResponseStream stream(StreamLimits{.max_pending_bytes = 10});
    CHECK(stream.push("0123456789"));  // exactly the bound
    CHECK_FALSE(stream.push("x"));
    CHECK(stream.ended());
    auto taken = stream.take();
    CHECK(taken.cut);
    CHECK(taken.bytes.empty());  // dropped: nothing more goes to a reader that is cut
    CHECK_FALSE(stream.push("y"));
}

TEST_CASE("taking makes room: a reader that keeps up is never cut") {
    ResponseStream stream(StreamLimits{.max_pending_bytes = 10});
    for (int i = 0; i < 100; ++i) {
        REQUIRE(stream.push("01234567"));
        REQUIRE(stream.take().bytes == "01234567");
    }
    CHECK_FALSE(stream.ended());
}

TEST_CASE("a single push larger than the bound cuts, with no size arithmetic wrapping") {
    ResponseStream stream(StreamLimits{.max_pending_bytes = 4});
    CHECK_FALSE(stream.push("12345"));
    CHECK(stream.take().cut);
}

TEST_CASE("replace drops what waits: a slow reader skips to the latest state") {
    ResponseStream stream(StreamLimits{.max_pending_bytes = 4});
    CHECK(stream.replace("state 1"));  // one state is bounded by itself, not by the push bound
    CHECK(stream.replace("state 2"));
    CHECK(stream.replace("state 3"));
    CHECK(stream.take().bytes == "state 3");
    // A push after a replace larger than the bound: cut, not an underflowed bound.
    CHECK(stream.replace("0123456789"));
    CHECK_FALSE(stream.push("x"));
    CHECK(stream.take().cut);
}

TEST_CASE("close: what waits is still written, then the body ends") {
    ResponseStream stream;
    stream.push("last words");
    stream.close();
    CHECK(stream.ended());
    CHECK_FALSE(stream.push("more"));
    CHECK_FALSE(stream.replace("more"));
    auto taken = stream.take();
    CHECK(taken.bytes == "last words");
    CHECK(taken.last);
    CHECK_FALSE(taken.cut);
    stream.close();  // idempotent
    CHECK(stream.take().last);
}

TEST_CASE("the waker is called for each thing to take, and never after detach") {
    ResponseStream stream;
    int wakes = 0;
    stream.set_waker([&] { ++wakes; });
    stream.push("a");
    stream.replace("b");
    stream.close();
    CHECK(wakes == 3);
    stream.detach();
    stream.push("c");
    stream.close();
    CHECK(wakes == 3);
    CHECK(stream.take().cut);
}

TEST_CASE("a cut wakes the server so it drops the connection at once") {
    ResponseStream stream(StreamLimits{.max_pending_bytes = 1});
    int wakes = 0;
    stream.set_waker([&] { ++wakes; });
    stream.push("too much");
    CHECK(wakes == 1);
}

TEST_CASE("wait_done returns when the server detaches, or after the timeout") {
    ResponseStream stream;
    stream.close();
    CHECK_FALSE(stream.wait_done(10ms));
    std::thread server([&] {
        std::this_thread::sleep_for(20ms);
        stream.detach();
    });
    auto started = std::chrono::steady_clock::now();
    CHECK(stream.wait_done(5s));
    CHECK(std::chrono::steady_clock::now() - started < 4s);
    server.join();
    CHECK(stream.wait_done(0ms));
}
