// The spool as the engine uses it: store, update, finish, close, reopen; ids; group commit
// under concurrent stores; the directory lock; calls after close().
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <thread>

#include "harness/relay/spool/spool.hpp"
#include "tests/unit/relay_spool/spool_test_support.hpp"

using namespace relaylab::relay;
using relaylab::relay::test::TempDir;

namespace {

std::size_t body_size_for(std::size_t index) {
    static constexpr std::size_t sizes[] = {0, 1024, 2 * 1024 * 1024, 17, 5000};
    return sizes[index % std::size(sizes)];
}

}  // namespace

TEST_CASE("ids are unique, 16 hex digits, ordered, and stay above recovered ones",
          "[relay_spool]") {
    TempDir dir("ids");
    std::string last;
    {
        Spool spool(test::options_for(dir.path));
        std::set<std::string> seen;
        for (int i = 0; i < 100000; ++i) {
            std::string id = spool.new_id();
            REQUIRE(id.size() == 16);
            REQUIRE(id.find_first_not_of("0123456789ABCDEF") == std::string::npos);
            REQUIRE(id > last);  // same width: string order is numeric order
            last = id;
            seen.insert(std::move(id));
        }
        CHECK(seen.size() == 100000);
        // Ids far ahead of the clock (as after a clock step back) must not be reused.
        REQUIRE(test::store_and_wait(spool, test::message_for("7FFFFFFFFFFF0000"), "x") ==
                std::error_code());
        REQUIRE(test::wait_done([&](Spool::Done done) {
                    spool.finish("7FFFFFFFFFFF0000", done);
                }) == std::error_code());
    }
    Spool reopened(test::options_for(dir.path));
    CHECK(reopened.new_id() > "7FFFFFFFFFFF0000");
}

TEST_CASE("store, update, finish and reopen round-trip", "[relay_spool]") {
    TempDir dir("roundtrip");
    constexpr std::size_t messages = 300;
    std::vector<std::string> ids;
    {
        Spool spool(test::options_for(dir.path, 8ull << 20));
        for (std::size_t i = 0; i < messages; ++i) {
            ids.push_back(spool.new_id());
            SpoolMessage message = test::message_for(ids.back(), 1 + i % 120);
            message.dsn_envid = "env" + std::to_string(i);
            REQUIRE(test::store_and_wait(spool, message,
                                         test::body_for(ids.back(), body_size_for(i))) ==
                    std::error_code());
            // The body is readable as soon as the store is acknowledged.
            const auto body = spool.read_body(ids.back());
            REQUIRE(body.has_value());
            REQUIRE(*body == test::body_for(ids.back(), body_size_for(i)));
        }
        // Every third message finished; every other one updated twice (the latest must win).
        for (std::size_t i = 0; i < messages; ++i) {
            if (i % 3 == 0) {
                spool.finish(ids[i]);
                continue;
            }
            SpoolMessage message = test::message_for(ids[i], 1 + i % 120);
            message.attempts = 1;
            message.recipients[0].state = RecipientState::failed;
            message.recipients[0].last_reply = "451 4.7.1 greylisted";
            spool.update(message);
            message.attempts = 2;
            message.next_attempt_ms = 1'790'000'000'000 + static_cast<std::int64_t>(i);
            message.recipients[0].state = RecipientState::delivered;
            message.recipients[0].last_reply = "250 2.0.0 ok";
            REQUIRE(test::wait_done([&](Spool::Done done) { spool.update(message, done); }) ==
                    std::error_code());
        }
        CHECK(spool.stats().live_messages == messages - messages / 3);
        CHECK_FALSE(spool.read_body(ids[0]).has_value());  // finished
    }
    Spool spool(test::options_for(dir.path));
    const RecoveryReport& report = spool.recovered();
    CHECK(report.corrupt_records == 0);
    CHECK(report.torn_bytes == 0);
    REQUIRE(report.messages.size() == messages - messages / 3);
    std::map<std::string, const SpoolMessage*> by_id;
    for (const auto& message : report.messages)
        by_id[message.id] = &message;
    for (std::size_t i = 0; i < messages; ++i) {
        INFO("message " << i);
        if (i % 3 == 0) {
            CHECK_FALSE(by_id.contains(ids[i]));
            continue;
        }
        REQUIRE(by_id.contains(ids[i]));
        const SpoolMessage& message = *by_id[ids[i]];
        CHECK(message.dsn_envid == "env" + std::to_string(i));
        CHECK(message.attempts == 2);
        CHECK(message.next_attempt_ms == 1'790'000'000'000 + static_cast<std::int64_t>(i));
        REQUIRE(message.recipients.size() == 1 + i % 120);
        CHECK(message.recipients[0].state == RecipientState::delivered);
        CHECK(message.recipients[0].last_reply == "250 2.0.0 ok");
        CHECK(message.body_size == body_size_for(i));
        const auto body = spool.read_body(ids[i]);
        REQUIRE(body.has_value());
        CHECK(*body == test::body_for(ids[i], body_size_for(i)));
    }
    // Oldest first: the ids are time-ordered, so the report is in store order.
    CHECK(std::is_sorted(report.messages.begin(), report.messages.end(),
                         [](const auto& a, const auto& b) { return a.id < b.id; }));
}

TEST_CASE("group commit: concurrent stores share fsyncs", "[relay_spool]") {
    TempDir dir("group");
    Spool spool(test::options_for(dir.path));
    constexpr int threads = 8;
    constexpr int per_thread = 250;
    std::atomic<int> acknowledged{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                const std::string id = spool.new_id();
                spool.store(test::message_for(id), test::body_for(id, 1024),
                            [&](std::error_code error) { ++(error ? failed : acknowledged); });
            }
        });
    }
    for (auto& worker : workers)
        worker.join();
    spool.close();  // drains: every done has been called once it returns
    CHECK(failed == 0);
    REQUIRE(acknowledged == threads * per_thread);
    const SpoolStats stats = spool.stats();
    INFO("commits " << stats.commits << ", records " << stats.records_written << ", largest "
                    << stats.largest_commit);
    CHECK(stats.records_written == threads * per_thread);
    CHECK(stats.commits < stats.records_written / 2);
    CHECK(stats.largest_commit > 1);
    CHECK(stats.live_messages == threads * per_thread);
}

TEST_CASE("a second spool on the same directory is refused", "[relay_spool]") {
    TempDir dir("lock");
    Spool first(test::options_for(dir.path));
    try {
        Spool second(test::options_for(dir.path));
        FAIL("the second spool opened");
    } catch (const SpoolError& error) {
        CHECK_THAT(error.what(), Catch::Contains(dir.path.string()));
    }
    first.close();
    // Once the first lets go, the directory can be used again.
    Spool third(test::options_for(dir.path));
    CHECK(third.recovered().messages.empty());
}

TEST_CASE("after close() every call fails with operation_canceled", "[relay_spool]") {
    TempDir dir("closed");
    Spool spool(test::options_for(dir.path));
    const std::string id = spool.new_id();
    REQUIRE(test::store_and_wait(spool, test::message_for(id), "body") == std::error_code());
    spool.close();
    spool.close();  // idempotent
    const auto canceled = std::make_error_code(std::errc::operation_canceled);
    CHECK(test::store_and_wait(spool, test::message_for(spool.new_id()), "x") == canceled);
    CHECK(test::wait_done([&](Spool::Done done) { spool.finish(id, done); }) == canceled);
    CHECK(test::wait_done([&](Spool::Done done) { spool.update(test::message_for(id), done); }) ==
          canceled);
}

TEST_CASE("a message the codec refuses fails its done at once", "[relay_spool]") {
    TempDir dir("refused");
    Spool spool(test::options_for(dir.path));
    SpoolMessage message = test::message_for(spool.new_id());
    message.helo = std::string(100000, 'h');  // no SMTP server takes this; the codec refuses it
    CHECK(test::store_and_wait(spool, message, "x") ==
          std::make_error_code(std::errc::invalid_argument));
    CHECK(spool.stats().live_messages == 0);
}

TEST_CASE("a done that throws does not stop the writer", "[relay_spool]") {
    TempDir dir("throwing");
    Spool spool(test::options_for(dir.path));
    const std::string first = spool.new_id();
    spool.store(test::message_for(first), "one",
                [](std::error_code) { throw std::runtime_error("a caller's bug"); });
    const std::string second = spool.new_id();
    CHECK(test::store_and_wait(spool, test::message_for(second), "two") == std::error_code());
    CHECK(spool.read_body(first) == "one");
    CHECK(spool.read_body(second) == "two");
}
