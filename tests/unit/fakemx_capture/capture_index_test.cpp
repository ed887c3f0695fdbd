// The tracking-id index, the Maildir write apart from add(), and raw availability that follows
// the Maildir file.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "fake-mx/capture/capture_json.hpp"
#include "fake-mx/capture/capture_store.hpp"
#include "sample_messages.hpp"
#include "tests/lib/temp_dir.hpp"

using relaylab::testing::TempDir;

using namespace relaylab::fakemx::capture;
using testing::add_sample;
using testing::sample_message;
using testing::sample_raw;
using testing::SampleOptions;

namespace {

std::vector<std::uint64_t> ids_of(const MessagePage& page) {
    std::vector<std::uint64_t> ids;
    for (const auto& m : page.messages)
        ids.push_back(m.id);
    return ids;
}

}  // namespace

TEST_CASE("a tracking id finds every message with it, newest first, with the other filters") {
    CaptureStore store({});
    add_sample(store, {.tracking_id = "a"});                 // 1
    add_sample(store, {.tracking_id = "b"});                 // 2
    add_sample(store, {.tracking_id = "a", .host = "mx2"});  // 3: a retry, a duplicate
    add_sample(store, {.tracking_id = ""});                  // 4: no id, not indexed
    add_sample(store, {.tracking_id = "a"});                 // 5
    CHECK(ids_of(store.query({.tracking_id = "a"}, 0, 50)) == std::vector<std::uint64_t>{5, 3, 1});
    CHECK(store.query({.tracking_id = "a"}, 0, 50).total == 3);
    CHECK(ids_of(store.query({.tracking_id = "a"}, 1, 1)) == std::vector<std::uint64_t>{3});
    CHECK(ids_of(store.query({.tracking_id = "a", .host = "mx2"}, 0, 50)) ==
          std::vector<std::uint64_t>{3});
    CHECK(ids_of(store.query({.tracking_id = "b"}, 0, 50)) == std::vector<std::uint64_t>{2});
    CHECK(store.query({.tracking_id = "A"}, 0, 50).total == 0);  // exact, as documented
    CHECK(store.query({.tracking_id = "c"}, 0, 50).total == 0);
}

TEST_CASE("the tracking-id index follows eviction and clear") {
    CaptureStore store({.max_messages = 3});
    add_sample(store, {.tracking_id = "a"});  // 1, evicted by 4
    add_sample(store, {.tracking_id = "b"});  // 2, evicted by 5
    add_sample(store, {.tracking_id = "a"});  // 3
    add_sample(store, {.tracking_id = "c"});  // 4
    CHECK(ids_of(store.query({.tracking_id = "a"}, 0, 50)) == std::vector<std::uint64_t>{3});
    add_sample(store, {.tracking_id = "d"});  // 5
    CHECK(store.query({.tracking_id = "b"}, 0, 50).total == 0);
    add_sample(store, {.tracking_id = "e"});  // 6 evicts 3, the last "a"
    CHECK(store.query({.tracking_id = "a"}, 0, 50).total == 0);
    add_sample(store, {.tracking_id = "a"});  // 7: a new chain
    CHECK(ids_of(store.query({.tracking_id = "a"}, 0, 50)) == std::vector<std::uint64_t>{7});
    store.clear();
    CHECK(store.query({.tracking_id = "a"}, 0, 50).total == 0);
    add_sample(store, {.tracking_id = "a"});  // 8
    CHECK(ids_of(store.query({.tracking_id = "a"}, 0, 50)) == std::vector<std::uint64_t>{8});
}

TEST_CASE("the index and the full scan agree on many messages") {
    CaptureStore store({.memory_limit = 0});
    std::mt19937 random(7);
    for (int i = 0; i < 20'000; ++i)
        add_sample(store, {.tracking_id = "t" + std::to_string(random() % 500)});
    for (int t : {0, 17, 499}) {
        const std::string id = "t" + std::to_string(t);
        MessagePage indexed = store.query({.tracking_id = id}, 0, 1000);
        // The same filter through the scan: a subject filter that every message passes.
        std::vector<std::uint64_t> scanned;
        for (const auto& m : store.query({.subject = "Hello"}, 0, 20'000).messages)
            if (m.headers.tracking_id == id) scanned.push_back(m.id);
        CHECK(ids_of(indexed) == scanned);
        CHECK(indexed.total == scanned.size());
    }
}

TEST_CASE("a query in chunks sees every message when it spans many chunks") {
    CaptureStore store({.memory_limit = 0});
    const std::size_t count = query_chunk * 3 + 5;
    for (std::size_t i = 0; i < count; ++i)
        add_sample(store, {.subject = i % 2 ? "odd" : "even"});
    MessagePage page = store.query({.subject = "odd"}, 0, 10);
    CHECK(page.total == count / 2);
    // Message i has id i + 1; the last one (i = count - 1) is even, the one before it odd.
    CHECK(ids_of(page).front() == count - 1);
    CHECK(store.query({}, query_chunk * 2, 3).messages.size() == 3);
    CHECK(ids_of(store.query({}, query_chunk * 2, 1)) ==
          std::vector<std::uint64_t>{count - query_chunk * 2});
}

TEST_CASE("write_maildir then add stores what add alone would") {
    TempDir dir;
    CaptureStore store({.memory_limit = 0, .store_dir = dir.path.string()});
    REQUIRE(store.has_maildir());
    SampleOptions o{.tracking_id = "w1"};
    std::string raw = sample_raw(o);
    CapturedMessage m = sample_message(o, raw.size());
    MaildirWrite written = store.write_maildir(m.received_at, raw);
    CHECK_FALSE(written.error);
    CHECK(written.seq == 1);
    const std::uint64_t id = store.add(std::move(m), std::string(raw), written);
    RawContent back = store.raw(id);
    REQUIRE(back.status == RawStatus::found);
    CHECK(back.content == raw);
    CHECK(store.counts().raw_in_maildir == 1);
}

TEST_CASE("a failed Maildir write is counted and the message kept as metadata") {
    TempDir dir;
    CaptureStore store({.memory_limit = 0, .store_dir = dir.path.string()});
    std::filesystem::remove_all(dir.path / "tmp");  // the write to tmp/ now fails
    SampleOptions o{};
    std::string raw = sample_raw(o);
    CapturedMessage m = sample_message(o, raw.size());
    MaildirWrite written = store.write_maildir(m.received_at, raw);
    REQUIRE(written.error);
    CHECK_THAT(*written.error, Catch::Contains("tmp"));
    CHECK(written.seq == 0);
    const std::uint64_t id = store.add(std::move(m), std::move(raw), written);
    CHECK(store.counts().maildir_errors == 1);
    CHECK(store.counts().raw_dropped == 1);
    CHECK(store.raw(id).status == RawStatus::gone);
}

TEST_CASE("Maildir write failures are logged, paced: the 1st, 2nd, 4th...") {
    TempDir dir;
    CaptureStore store({.memory_limit = 0, .store_dir = dir.path.string()});
    std::filesystem::remove_all(dir.path / "tmp");
    // The log goes to stderr: point descriptor 2 at a file for the duration.
    std::filesystem::path log_file = dir.path / "stderr.log";
    std::fflush(stderr);
    const int saved = ::dup(2);
    REQUIRE(saved >= 0);
    std::FILE* sink = std::fopen(log_file.c_str(), "w");
    REQUIRE(sink != nullptr);
    ::dup2(::fileno(sink), 2);
    for (int i = 0; i < 5; ++i)
        add_sample(store, {.tracking_id = "f" + std::to_string(i)});
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(sink);
    std::stringstream text;
    text << std::ifstream(log_file).rdbuf();
    std::string log = text.str();
    INFO(log);
    std::size_t lines = 0;
    for (std::size_t at = log.find("fakemx.maildir_write_failed"); at != std::string::npos;
         at = log.find("fakemx.maildir_write_failed", at + 1))
        ++lines;
    CHECK(lines == 3);  // failures 1, 2 and 4 of 5
    CHECK(log.find("failures_total=4") != std::string::npos);
    CHECK(store.counts().maildir_errors == 5);
}

TEST_CASE("raw availability follows the Maildir file") {
    TempDir dir;
    CaptureStore store({.memory_limit = 0, .store_dir = dir.path.string()});
    const std::uint64_t id = add_sample(store, {.tracking_id = "kept"});
    const std::uint64_t gone = add_sample(store, {.tracking_id = "removed"});
    auto detail = store.find(gone);
    REQUIRE(detail);
    CHECK(detail->message.raw.available());
    std::filesystem::remove(dir.path / detail->message.raw.maildir_file);

    detail = store.find(gone);
    REQUIRE(detail);
    CHECK_FALSE(detail->message.raw.available());
    CHECK_FALSE(detail->headers);
    CHECK(message_detail_json(*detail)["raw"]["available"] == false);
    CHECK(store.raw(gone).status == RawStatus::gone);  // and /raw says 410: they agree

    MessagePage page = store.query({}, 0, 10);
    REQUIRE(page.messages.size() == 2);
    CHECK(message_summary_json(page.messages[0])["raw_available"] == false);
    CHECK(message_summary_json(page.messages[1])["raw_available"] == true);
    CHECK(store.find(id)->message.raw.available());
}
