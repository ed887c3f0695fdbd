#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>

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

TEST_CASE("added messages come back newest first with their facts") {
    CaptureStore store({});
    auto first = add_sample(store, {.subject = "one", .tracking_id = "t1"});
    auto second = add_sample(store, {.subject = "two", .tracking_id = "t2"});
    CHECK(first == 1);
    CHECK(second == 2);

    MessagePage page = store.query({}, 0, 50);
    REQUIRE(page.total == 2);
    REQUIRE(page.messages.size() == 2);
    CHECK(page.messages[0].id == second);
    CHECK(page.messages[0].headers.subject == "two");
    CHECK(page.messages[0].headers.tracking_id == "t2");
    CHECK(page.messages[1].headers.message_id == "<t1@example.org>");
    CHECK(page.messages[1].mail_from == "sender@example.org");
    REQUIRE(page.messages[1].recipients.size() == 1);
    CHECK(page.messages[1].recipients[0].address == "rcpt@example.com");
    CHECK(page.messages[1].raw.in_memory);
    CHECK_FALSE(page.messages[1].raw.in_maildir);
}

TEST_CASE("the compact form keeps every fact the shell gave") {
    CaptureStore store({});
    SampleOptions o;
    std::string raw = sample_raw(o);
    CapturedMessage m = sample_message(o, raw.size());
    m.tls = {.active = true,
             .version = "TLSv1.3",
             .cipher = "TLS_AES_256_GCM_SHA384",
             .sni = "mx1.test"};
    m.auth_user = "user";
    m.chunked = true;
    m.mail_params.body = relaylab::smtp::BodyType::eight_bit_mime;
    m.mail_params.ret = relaylab::smtp::DsnRet::headers;
    m.mail_params.envid = "env-1";
    m.mail_params.smtputf8 = true;
    m.recipients.push_back({"second@example.com",
                            {.notify_success = true,
                             .notify_delay = true,
                             .orcpt_type = "rfc822",
                             .orcpt = "orig@example.com"}});
    m.findings.bare_lf = 3;
    m.findings.eod_lookalikes = 1;
    m.auth_verdicts = R"({"spf":"pass","dkim":"fail"})";
    auto id = store.add(std::move(m), std::move(raw));

    auto detail = store.find(id);
    REQUIRE(detail);
    const CapturedMessage& got = detail->message;
    CHECK(got.session_id == "Srun-1");
    CHECK(got.queue_id == "Qrun-1");
    CHECK(got.host == "mx1.test");
    CHECK(got.client_port == 40000);
    CHECK(got.helo == "client.example.org");
    CHECK(got.esmtp);
    CHECK(got.auth_user == "user");
    CHECK(got.tls.active);
    CHECK(got.tls.version == "TLSv1.3");
    CHECK(got.tls.cipher == "TLS_AES_256_GCM_SHA384");
    CHECK(got.tls.sni == "mx1.test");
    CHECK(got.chunked);
    CHECK(got.mail_params.body == relaylab::smtp::BodyType::eight_bit_mime);
    CHECK(got.mail_params.ret == relaylab::smtp::DsnRet::headers);
    CHECK(got.mail_params.envid == "env-1");
    CHECK(got.mail_params.smtputf8);
    CHECK(got.mail_params.size == got.size);
    REQUIRE(got.recipients.size() == 2);
    CHECK_FALSE(got.recipients[0].params.notify_success);
    CHECK(got.recipients[1].params.notify_success);
    CHECK(got.recipients[1].params.notify_delay);
    CHECK_FALSE(got.recipients[1].params.notify_failure);
    CHECK(got.recipients[1].params.orcpt == "orig@example.com");
    CHECK(got.findings.bare_lf == 3);
    CHECK(got.findings.eod_lookalikes == 1);
    CHECK(got.auth_verdicts == R"({"spf":"pass","dkim":"fail"})");
    CHECK(got.received_at ==
          std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)));
    REQUIRE(detail->headers);
    CHECK(detail->headers->size() == 6);

    auto json = message_detail_json(*detail);
    CHECK(json["auth"]["dkim"] == "fail");
    CHECK(json["tls"]["version"] == "TLSv1.3");
    CHECK(json["received_at"] == "2023-11-14T22:13:20.000Z");
    CHECK(json["envelope"]["recipients"][1]["params"]["notify"] ==
          nlohmann::json::array({"SUCCESS", "DELAY"}));
    CHECK(json["envelope"]["mail_from"]["params"]["body"] == "8BITMIME");
    CHECK(json["findings"]["bare_newlines"] == true);
    CHECK(json["headers"][5]["name"] == "X-Relaylab-Id");
}

TEST_CASE("without verdicts auth is null; invalid UTF-8 does not break serialization") {
    CaptureStore store({});
    auto id = add_sample(store, {.subject = "caf\xe9 \xff"});
    auto detail = store.find(id);
    REQUIRE(detail);
    auto json = message_summary_json(detail->message);
    CHECK(json["auth"].is_null());
    CHECK(json["tls"].is_null());
    std::string text = dump_json(json);
    CHECK(text.find("caf\xef\xbf\xbd") != std::string::npos);  // U+FFFD
}

TEST_CASE("filters select by recipient, sender, subject, tracking id, host and time") {
    CaptureStore store({});
    add_sample(store, {.from = "a@x.org",
                       .to = "one@y.com",
                       .subject = "Invoice 1",
                       .tracking_id = "t1",
                       .host = "mx1",
                       .received_unix_s = 1000});
    add_sample(store, {.from = "b@x.org",
                       .to = "two@y.com",
                       .subject = "Receipt",
                       .tracking_id = "t2",
                       .host = "mx2",
                       .received_unix_s = 2000});
    add_sample(store, {.from = "a@x.org",
                       .to = "TWO@y.com",
                       .subject = "invoice 2",
                       .tracking_id = "t3",
                       .host = "mx1",
                       .received_unix_s = 3000});

    struct Case {
        const char* label;
        MessageFilter filter;
        std::vector<std::uint64_t> want;
    };
    auto at = [](long s) { return std::chrono::system_clock::time_point(std::chrono::seconds(s)); };
    auto c = GENERATE_COPY(
        Case{"none", {}, {3, 2, 1}}, Case{"to, case-insensitive", {.to = "two@Y.com"}, {3, 2}},
        Case{"from", {.from = "a@x.org"}, {3, 1}},
        Case{"subject substring", {.subject = "INVOICE"}, {3, 1}},
        Case{"tracking id", {.tracking_id = "t2"}, {2}}, Case{"host", {.host = "mx1"}, {3, 1}},
        Case{"since", {.since = at(2000)}, {3, 2}},
        Case{"combined", {.from = "a@x.org", .since = at(1500)}, {3}},
        Case{"no match", {.to = "nobody@y.com"}, {}});
    INFO(c.label);
    MessagePage page = store.query(c.filter, 0, 50);
    std::vector<std::uint64_t> got;
    for (const auto& m : page.messages)
        got.push_back(m.id);
    CHECK(got == c.want);
    CHECK(page.total == c.want.size());
}

TEST_CASE("pages are cut by offset and limit; total counts every match") {
    CaptureStore store({});
    for (int i = 0; i < 10; ++i)
        add_sample(store, {.tracking_id = "t" + std::to_string(i)});
    MessagePage page = store.query({}, 3, 4);
    CHECK(page.total == 10);
    REQUIRE(page.messages.size() == 4);
    CHECK(page.messages.front().id == 7);
    CHECK(page.messages.back().id == 4);
    CHECK(store.query({}, 10, 4).messages.empty());
    CHECK(store.query({}, 0, 0).messages.empty());
}

TEST_CASE("beyond max_messages the oldest metadata is evicted with its raw") {
    CaptureStore store({.max_messages = 3});
    for (int i = 0; i < 5; ++i)
        add_sample(store, {.tracking_id = "t" + std::to_string(i)});
    MessagePage page = store.query({}, 0, 50);
    CHECK(page.total == 3);
    CHECK(page.messages.back().id == 3);
    CHECK_FALSE(store.find(2));
    CHECK(store.raw(2).status == RawStatus::unknown_id);
    CHECK(store.raw(3).status == RawStatus::found);
    StoreCounts counts = store.counts();
    CHECK(counts.messages_total == 5);
    CHECK(counts.messages_stored == 3);
    CHECK(counts.messages_evicted == 2);
    CHECK(counts.raw_in_memory == 3);
}

TEST_CASE("without a Maildir, raw content beyond the memory bound is dropped, oldest first") {
    SampleOptions o{.body_bytes = 1000};
    const std::uint64_t one = sample_raw(o).capacity();
    CaptureStore store({.memory_limit = one * 3});
    for (int i = 0; i < 5; ++i)
        add_sample(store, o);
    CHECK(store.raw(1).status == RawStatus::gone);
    CHECK(store.raw(2).status == RawStatus::gone);
    RawContent newest = store.raw(5);
    REQUIRE(newest.status == RawStatus::found);
    CHECK(newest.content == sample_raw(o));
    CHECK(store.raw(99).status == RawStatus::unknown_id);

    StoreCounts counts = store.counts();
    CHECK(counts.raw_in_memory == 3);
    CHECK(counts.raw_memory_bytes <= one * 3);
    CHECK(counts.raw_dropped == 2);

    // Metadata stays; headers go with the raw.
    auto old = store.find(1);
    REQUIRE(old);
    CHECK(old->message.headers.subject == "Hello");
    CHECK_FALSE(old->message.raw.available());
    CHECK_FALSE(old->headers);
    CHECK(store.find(5)->headers);
}

TEST_CASE("a message larger than the whole memory bound is kept as metadata only") {
    CaptureStore store({.memory_limit = 100});
    add_sample(store, {.body_bytes = 1000});
    CHECK(store.raw(1).status == RawStatus::gone);
    CHECK(store.counts().raw_dropped == 1);
    CHECK(store.counts().raw_memory_bytes == 0);
}

TEST_CASE("with a Maildir every message is delivered to new/ and read back after eviction") {
    TempDir dir;
    SampleOptions o{.body_bytes = 1000};
    const std::uint64_t one = sample_raw(o).capacity();
    CaptureStore store({.memory_limit = one, .store_dir = dir.path.string()});
    for (int i = 0; i < 3; ++i)
        add_sample(store, {.tracking_id = "t" + std::to_string(i), .body_bytes = 1000});

    CHECK(std::filesystem::is_directory(dir.path / "tmp"));
    CHECK(std::filesystem::is_directory(dir.path / "cur"));
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path / "new")) {
        ++files;
        // Maildir unique names: <sec>.M<usec>P<pid>R<random>Q<seq>.<host>
        CHECK_THAT(entry.path().filename().string(),
                   Catch::Matches(R"(1700000000\.M000000P\d+R[0-9a-f]{16}Q\d+\..+)"));
    }
    CHECK(files == 3);
    CHECK(std::filesystem::is_empty(dir.path / "tmp"));

    auto oldest = store.find(1);
    REQUIRE(oldest);
    CHECK_FALSE(oldest->message.raw.in_memory);
    CHECK(oldest->message.raw.in_maildir);
    REQUIRE(oldest->headers);  // read back from the Maildir
    CHECK(oldest->headers->at(5).value == "t0");
    RawContent raw = store.raw(1);
    REQUIRE(raw.status == RawStatus::found);
    CHECK(raw.content == sample_raw({.tracking_id = "t0", .body_bytes = 1000}));
    CHECK(store.counts().raw_in_maildir == 3);
    CHECK(store.counts().raw_dropped == 0);

    // A file removed behind the store's back is gone, not an error.
    std::filesystem::remove(dir.path / oldest->message.raw.maildir_file);
    CHECK(store.raw(1).status == RawStatus::gone);
}

TEST_CASE("a Maildir path that is a file is refused with its name") {
    TempDir dir;
    std::filesystem::create_directories(dir.path);
    std::string file = (dir.path / "plain-file").string();
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        std::fclose(f);
    }
    CHECK_THROWS_WITH(CaptureStore({.store_dir = file}), Catch::Contains("plain-file"));
}

TEST_CASE("clear forgets messages and sessions; ids keep counting") {
    CaptureStore store({});
    add_sample(store, {});
    add_sample(store, {});
    store.add_session(SessionRecord{.session_id = "s1"});
    auto cleared = store.clear();
    CHECK(cleared.messages == 2);
    CHECK(cleared.sessions == 1);
    CHECK(store.query({}, 0, 50).total == 0);
    CHECK(store.counts().raw_memory_bytes == 0);
    CHECK(store.counts().messages_total == 2);  // counters are totals since start
    CHECK(add_sample(store, {}) == 3);
    CHECK(store.find(3));
    CHECK_FALSE(store.find(1));
}

TEST_CASE("messages added from several threads are all stored with distinct ids") {
    CaptureStore store({.memory_limit = 64 * 1024});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&store, t] {
            for (int i = 0; i < 500; ++i)
                add_sample(store, {.tracking_id = std::to_string(t) + "-" + std::to_string(i)});
        });
    for (auto& thread : threads)
        thread.join();
    MessagePage page = store.query({}, 0, 5000);
    CHECK(page.total == 2000);
    std::set<std::uint64_t> ids;
    for (const auto& m : page.messages)
        ids.insert(m.id);
    CHECK(ids.size() == 2000);
    CHECK(*ids.rbegin() == 2000);
    CHECK(store.counts().raw_memory_bytes <= 64 * 1024);
}
