// Replay over damaged spools: a torn tail (a crash mid-write) is cut off quietly; a flipped byte
// inside a segment is corruption: the segment is copied to quarantine/ and every other message
// is still recovered. Segment removal and compaction leave only the live messages behind.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "harness/relay/spool/spool.hpp"
#include "tests/unit/relay_spool/spool_test_support.hpp"

using namespace relaylab::relay;
using relaylab::relay::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> segment_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir / "segments"))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

// Stores `count` messages of `body_size` octets, acknowledged one by one; returns their ids.
std::vector<std::string> store_many(Spool& spool, std::size_t count, std::size_t body_size) {
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < count; ++i) {
        ids.push_back(spool.new_id());
        REQUIRE(test::store_and_wait(spool, test::message_for(ids.back(), 2),
                                     test::body_for(ids.back(), body_size)) == std::error_code());
    }
    return ids;
}

std::set<std::string> recovered_ids(const Spool& spool) {
    std::set<std::string> ids;
    for (const auto& message : spool.recovered().messages)
        ids.insert(message.id);
    return ids;
}

}  // namespace

TEST_CASE("a torn tail of the newest segment is cut off and not called corruption",
          "[relay_spool][recovery]") {
    TempDir dir("torn");
    std::vector<std::string> ids;
    {
        Spool spool(test::options_for(dir.path));
        ids = store_many(spool, 20, 3000);
    }
    const fs::path segment = segment_files(dir.path).back();
    const auto full_size = fs::file_size(segment);
    // Cut the last record in the middle of its body: what a kill during write() leaves.
    fs::resize_file(segment, full_size - 1000);
    {
        Spool spool(test::options_for(dir.path));
        const RecoveryReport& report = spool.recovered();
        CHECK(report.corrupt_records == 0);
        CHECK(report.quarantined.empty());
        CHECK(report.torn_bytes > 0);
        CHECK(report.torn_bytes < 3000 + 200);
        const std::set<std::string> recovered = recovered_ids(spool);
        CHECK(recovered.size() == 19);
        CHECK_FALSE(recovered.contains(ids.back()));
        for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
            CHECK(spool.read_body(ids[i]) == test::body_for(ids[i], 3000));
        }
    }
    // The cut was made on disk: the next start sees a clean spool.
    Spool again(test::options_for(dir.path));
    CHECK(again.recovered().torn_bytes == 0);
    CHECK(again.recovered().corrupt_records == 0);
    CHECK(again.recovered().messages.size() == 19);
}

TEST_CASE("a flipped byte mid-segment quarantines the segment and loses one record",
          "[relay_spool][recovery]") {
    // In an older segment and in the newest one: neither is a torn tail, records follow.
    const bool newest = GENERATE(false, true);
    // Mid-segment lands on a record's header here (the records are all of one size): the
    // reader must scan for the next magic. 1500 octets on, inside a body: it skips by length.
    const std::uintmax_t shift = GENERATE(0u, 1500u);
    INFO((newest ? "newest segment" : "older segment") << ", shift " << shift);
    TempDir dir("flip");
    std::vector<std::string> ids;
    {
        Spool spool(test::options_for(dir.path, 64 * 1024));
        ids = store_many(spool, 60, 3000);  // about three segments
    }
    const auto segments = segment_files(dir.path);
    REQUIRE(segments.size() >= 3);
    const fs::path damaged = newest ? segments.back() : segments[segments.size() - 2];
    const auto size = fs::file_size(damaged);
    {
        std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
        file.seekg(static_cast<std::streamoff>(size / 2 + shift));
        char byte = 0;
        file.read(&byte, 1);
        file.seekp(static_cast<std::streamoff>(size / 2 + shift));
        byte = static_cast<char>(byte ^ 0x20);
        file.write(&byte, 1);
    }
    std::set<std::string> first_recovery;
    {
        Spool spool(test::options_for(dir.path, 64 * 1024));
        const RecoveryReport& report = spool.recovered();
        CHECK(report.corrupt_records == 1);
        CHECK(report.torn_bytes == 0);
        REQUIRE(report.quarantined.size() == 1);
        CHECK(fs::exists(report.quarantined[0]));
        CHECK(report.quarantined[0].parent_path() == dir.path / "quarantine");
        CHECK(fs::file_size(report.quarantined[0]) == size);
        first_recovery = recovered_ids(spool);
        CHECK(first_recovery.size() == ids.size() - 1);
        for (const auto& id : ids) {
            if (first_recovery.contains(id)) CHECK(spool.read_body(id) == test::body_for(id, 3000));
        }
    }
    // The segment was rewritten without the damaged record (the original is in quarantine/):
    // the next start is clean and recovers the same messages, bodies intact.
    Spool spool(test::options_for(dir.path, 64 * 1024));
    CHECK(spool.recovered().corrupt_records == 0);
    CHECK(spool.recovered().quarantined.empty());
    CHECK(recovered_ids(spool) == first_recovery);
    for (const auto& id : first_recovery)
        CHECK(spool.read_body(id) == test::body_for(id, 3000));
}

TEST_CASE("dead segments are removed and pinned ones compacted", "[relay_spool][recovery]") {
    TempDir dir("compact");
    constexpr std::uint64_t segment_bytes = 64 * 1024;
    std::vector<std::string> ids;
    std::vector<std::string> kept;
    {
        Spool spool(test::options_for(dir.path, segment_bytes));
        ids = store_many(spool, 1000, 700);
        const std::size_t segments_before = segment_files(dir.path).size();
        CHECK(segments_before >= 10);
        kept = {ids[1], ids[2], ids[5]};  // three old ones pin the first segment
        // A state change journaled in a later segment before compaction, and one queued after
        // the finishes (compaction happens somewhere among them): both must survive the copy.
        SpoolMessage deferred = test::message_for(kept[0], 2);
        deferred.attempts = 3;
        deferred.recipients[1].state = RecipientState::delivered;
        spool.update(deferred);
        for (const auto& id : ids) {
            if (id != kept[0] && id != kept[1] && id != kept[2]) spool.finish(id);
        }
        SpoolMessage later = test::message_for(kept[1], 2);
        later.attempts = 5;
        later.next_attempt_ms = 1'790'000'999'000;
        spool.update(later);
        // close() drains: every finish is on disk and the writer's upkeep after it has run.
        spool.close();
        const SpoolStats stats = spool.stats();
        CHECK(stats.live_messages == 3);
        CHECK(stats.compactions >= 1);
        CHECK(stats.segments_removed >= segments_before - 2);
        CHECK(stats.segments <= 2);
        CHECK(segment_files(dir.path).size() <= 2);
    }
    Spool spool(test::options_for(dir.path, segment_bytes));
    const RecoveryReport& report = spool.recovered();
    CHECK(report.corrupt_records == 0);
    REQUIRE(report.messages.size() == 3);
    for (const auto& id : kept) {
        INFO(id);
        CHECK(recovered_ids(spool).contains(id));
        CHECK(spool.read_body(id) == test::body_for(id, 700));
    }
    // Oldest first, so report.messages follows kept's order.
    CHECK(report.messages[0].attempts == 3);
    CHECK(report.messages[0].recipients[1].state == RecipientState::delivered);
    CHECK(report.messages[1].attempts == 5);
    CHECK(report.messages[1].next_attempt_ms == 1'790'000'999'000);
    CHECK(report.messages[2].attempts == 0);
}

TEST_CASE("records never span segments; one larger than a segment gets its own",
          "[relay_spool][recovery]") {
    TempDir dir("oversize");
    constexpr std::uint64_t segment_bytes = 64 * 1024;
    constexpr std::size_t large = 200 * 1024;
    std::vector<std::string> ids;
    {
        Spool spool(test::options_for(dir.path, segment_bytes));
        for (int i = 0; i < 12; ++i) {
            ids.push_back(spool.new_id());
            const std::size_t size = i % 3 == 1 ? large : 20000;
            REQUIRE(test::store_and_wait(spool, test::message_for(ids.back()),
                                         test::body_for(ids.back(), size)) == std::error_code());
        }
    }
    std::size_t oversize_segments = 0;
    for (const auto& file : segment_files(dir.path)) {
        const auto size = fs::file_size(file);
        INFO(file << ": " << size << " octets");
        if (size > segment_bytes) {
            ++oversize_segments;
            CHECK(size < large + 1024);  // the large record alone
        }
    }
    CHECK(oversize_segments == 4);
    Spool spool(test::options_for(dir.path, segment_bytes));
    CHECK(spool.recovered().corrupt_records == 0);
    REQUIRE(spool.recovered().messages.size() == ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        CHECK(spool.read_body(ids[i]) == test::body_for(ids[i], i % 3 == 1 ? large : 20000));
    }
}

TEST_CASE("bodies stay readable while compaction moves them and removes their segment",
          "[relay_spool][recovery]") {
    TempDir dir("moving");
    Spool spool(test::options_for(dir.path, 64 * 1024));
    const std::vector<std::string> ids = store_many(spool, 600, 700);
    const std::vector<std::string> kept = {ids[0], ids[3], ids[7]};
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> reads{0};
    std::atomic<std::size_t> wrong{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; ++t) {
        readers.emplace_back([&] {
            while (!stop) {
                for (const auto& id : kept) {
                    if (spool.read_body(id) != test::body_for(id, 700)) ++wrong;
                    ++reads;
                }
            }
        });
    }
    for (const auto& id : ids) {
        if (id != kept[0] && id != kept[1] && id != kept[2]) spool.finish(id);
    }
    REQUIRE(test::wait_done([&](Spool::Done done) {
                spool.update(test::message_for(kept[0], 2), done);
            }) == std::error_code());
    stop = true;
    for (auto& reader : readers)
        reader.join();
    spool.close();
    CHECK(wrong == 0);
    CHECK(reads > 0);
    CHECK(spool.stats().compactions >= 1);
    CHECK(spool.stats().segments_removed >= 5);
}
