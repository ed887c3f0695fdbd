// kill -9 at a random instant, five times on the same spool: every message whose store was
// acknowledged is recovered (or was finished), and replay sees nothing but a torn tail.
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <semaphore>
#include <set>
#include <thread>

#include "harness/relay/spool/spool.hpp"
#include "harness/relay/spool/spool_replay.hpp"
#include "tests/unit/relay_spool/child_process.hpp"
#include "tests/unit/relay_spool/spool_test_support.hpp"

using namespace relaylab::relay;
using relaylab::relay::test::TempDir;

namespace {

constexpr std::uint64_t crash_segment_bytes = 256 * 1024;  // rotations and removals mid-run
constexpr int writer_threads = 8;
constexpr int window_per_thread = 16;
constexpr auto run_before_kill = std::chrono::milliseconds(300);
constexpr auto drain_deadline = std::chrono::seconds(10);

std::size_t crash_body_size(const std::string& id) {
    return (std::hash<std::string>{}(id) % 16) * 1200;  // 0 to 18 KB
}

// The child finishes a quarter of what it stored, chosen by id so the parent knows which.
bool child_finishes(const std::string& id) {
    return id_value(id) % 4 == 0;
}

// Stores until killed, from several threads, each with a window of stores in flight; reports
// "S<id>" once a store is acknowledged and "F<id>" once a finish is.
int store_until_killed(const std::filesystem::path& dir, int report_fd) {
    Spool spool(test::options_for(dir, crash_segment_bytes));
    std::vector<std::thread> threads;
    for (int t = 0; t < writer_threads; ++t) {
        threads.emplace_back([&] {
            std::counting_semaphore<window_per_thread> window(window_per_thread);
            for (;;) {
                window.acquire();
                const std::string id = spool.new_id();
                spool.store(test::message_for(id, 2), test::body_for(id, crash_body_size(id)),
                            [&, id](std::error_code error) {
                                if (!error) {
                                    test::report_line(report_fd, "S" + id);
                                    if (child_finishes(id)) {
                                        spool.finish(id, [report_fd, id](std::error_code e) {
                                            if (!e) test::report_line(report_fd, "F" + id);
                                        });
                                    }
                                }
                                window.release();
                            });
            }
        });
    }
    for (auto& thread : threads)
        thread.join();  // never: the parent kills us
    return 0;
}

}  // namespace

TEST_CASE("kill -9 during stores loses no acknowledged message", "[relay_spool][crash]") {
    TempDir dir("crash");
    std::set<std::string> acknowledged;
    std::set<std::string> finished;
    std::uint64_t torn_total = 0;
    for (int round = 0; round < 5; ++round) {
        INFO("round " << round);
        std::vector<std::string> lines;
        {
            test::ChildProcess child(
                [&](int report_fd) { return store_until_killed(dir.path, report_fd); });
            // Replay takes a moment: the ~300 ms run counts from the first acknowledgement.
            const auto give_up = std::chrono::steady_clock::now() + drain_deadline;
            while (lines.empty() && std::chrono::steady_clock::now() < give_up) {
                REQUIRE(child.read_lines(
                    std::chrono::steady_clock::now() + std::chrono::milliseconds(10), lines));
            }
            REQUIRE_FALSE(lines.empty());
            REQUIRE(child.read_lines(std::chrono::steady_clock::now() + run_before_kill, lines));
            child.kill_hard();
            const int status = child.wait();
            CHECK(WIFSIGNALED(status));
            child.read_lines(std::chrono::steady_clock::now() + drain_deadline, lines);
        }
        for (const auto& line : lines) {
            (line[0] == 'S' ? acknowledged : finished).insert(line.substr(1));
        }
        Spool spool(test::options_for(dir.path, crash_segment_bytes));
        const RecoveryReport& report = spool.recovered();
        CHECK(report.corrupt_records == 0);
        CHECK(report.quarantined.empty());
        torn_total += report.torn_bytes;
        std::set<std::string> recovered;
        for (const auto& message : report.messages)
            recovered.insert(message.id);
        std::size_t checked = 0;
        for (const auto& id : acknowledged) {
            INFO("id " << id);
            if (finished.contains(id)) {
                CHECK_FALSE(recovered.contains(id));
            } else if (!child_finishes(id)) {
                REQUIRE(recovered.contains(id));
                REQUIRE(spool.read_body(id) == test::body_for(id, crash_body_size(id)));
                ++checked;
            }
        }
        CHECK(checked > 0);
        // Every recovered message is whole, acknowledged or not (a store durable just before
        // the kill may not have been reported yet).
        for (const auto& message : report.messages) {
            CHECK(message.body_size == crash_body_size(message.id));
        }
    }
    CHECK(acknowledged.size() > 100);
    WARN("acknowledged " << acknowledged.size() << ", finished " << finished.size()
                         << ", torn bytes over five restarts " << torn_total);
}
