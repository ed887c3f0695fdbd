// SuppressionList (harness/relay/engagement/suppression_list.hpp): what was added is there after
// a reopen, a torn last line (a crash mid-append) is dropped and cut off, hostile lines are
// skipped, and comparison ignores case in both parts (the file's comment says why).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "harness/relay/engagement/suppression_list.hpp"
#include "tests/lib/temp_dir.hpp"

using namespace relaylab::relay;
using relaylab::testing::TempDir;

namespace {

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("addresses added are there after the list is opened again", "[engagement][suppression]") {
    TempDir dir("suppression");
    const auto file = dir.path / "sub" / "suppressed";  // the directory is made too
    {
        SuppressionList list(file);
        CHECK(list.size() == 0);
        CHECK(list.add("alice@example.test") == SuppressionAdd::added);
        CHECK(list.add("Bob@Example.TEST") == SuppressionAdd::added);
        CHECK(list.add("alice@example.test") == SuppressionAdd::already);
        CHECK(list.size() == 2);
    }
    // The domain lower-cased, the local part as given; one line each, nothing else.
    CHECK(read_file(file) == "alice@example.test\nBob@example.test\n");
    SuppressionList again(file);
    CHECK(again.loaded().addresses == 2);
    CHECK_FALSE(again.loaded().torn_tail);
    CHECK(again.contains("alice@example.test"));
    CHECK(again.contains("bob@example.test"));
    CHECK_FALSE(again.contains("carol@example.test"));
    CHECK(again.add("bob@EXAMPLE.test") == SuppressionAdd::already);
}

TEST_CASE("comparison ignores ASCII case in the local part and the domain",
          "[engagement][suppression]") {
    TempDir dir("suppression");
    SuppressionList list(dir.path / "suppressed");
    list.add("John.Doe@Shop.Test");
    auto [spelling, expected] = GENERATE(table<std::string, bool>({
        {"John.Doe@Shop.Test", true},
        {"john.doe@shop.test", true},
        {"JOHN.DOE@SHOP.TEST", true},
        {"john.doe@shop.test.", false},  // another name
        {"john.doe+x@shop.test", false},
        {"johndoe@shop.test", false},
    }));
    INFO(spelling);
    CHECK(list.contains(spelling) == expected);
}

TEST_CASE("a torn last line is dropped and cut off the file", "[engagement][suppression]") {
    TempDir dir("suppression");
    const auto file = dir.write("suppressed", "alice@example.test\nbob@exam");
    {
        SuppressionList list(file);
        CHECK(list.loaded().torn_tail);
        CHECK(list.loaded().addresses == 1);
        CHECK(list.contains("alice@example.test"));
        CHECK_FALSE(list.contains("bob@exam"));
        // The next address starts on its own line, not glued to "bob@exam".
        CHECK(list.add("carol@example.test") == SuppressionAdd::added);
    }
    CHECK(read_file(file) == "alice@example.test\ncarol@example.test\n");
    SuppressionList again(file);
    CHECK_FALSE(again.loaded().torn_tail);
    CHECK(again.contains("carol@example.test"));
}

TEST_CASE("hostile lines are skipped, the rest is read", "[engagement][suppression]") {
    TempDir dir("suppression");
    std::string text =
        "# unsubscribed by hand\n"
        "\n"
        "alice@example.test\r\n" +  // CRLF from an editor
        std::string(100000, 'x') +
        "@long\n" +  // bounded, skipped
        "not an address\n"
        "noat\n"
        "bob@example.test\n";
    const auto file = dir.write("suppressed", text);
    SuppressionList list(file);
    CHECK(list.loaded().addresses == 2);
    CHECK(list.loaded().skipped_lines == 3);
    CHECK(list.contains("alice@example.test"));
    CHECK(list.contains("bob@example.test"));
}

TEST_CASE("what is not an address is not added", "[engagement][suppression]") {
    TempDir dir("suppression");
    SuppressionList list(dir.path / "suppressed");
    auto bad = GENERATE(as<std::string>{}, "", "noat", "@example.test", "alice@",
                        "a\nb@example.test", "a b@example.test", "a@b\r",
                        std::string(max_suppressed_address_bytes, 'a') + "@x");
    INFO("address: " << bad);
    CHECK(list.add(bad) == SuppressionAdd::invalid);
    CHECK(list.size() == 0);
    CHECK(read_file(list.file()).empty());
}

TEST_CASE("concurrent adds write whole lines", "[engagement][suppression]") {
    TempDir dir("suppression");
    const auto file = dir.path / "suppressed";
    constexpr int threads = 4, each = 25;
    {
        SuppressionList list(file);
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&list, t] {
                for (int i = 0; i < each; ++i) {
                    list.add("user" + std::to_string(t) + "-" + std::to_string(i) + "@x.test");
                    list.contains("user0-0@x.test");
                }
            });
        }
        for (auto& w : workers)
            w.join();
        CHECK(list.size() == threads * each);
    }
    SuppressionList again(file);
    CHECK(again.loaded().addresses == threads * each);
    CHECK(again.loaded().skipped_lines == 0);
}

TEST_CASE("an unreadable list is an error naming the file", "[engagement][suppression]") {
    TempDir dir("suppression");
    // A directory where the file should be.
    std::filesystem::create_directories(dir.path / "suppressed");
    CHECK_THROWS_WITH(SuppressionList(dir.path / "suppressed"),
                      Catch::Contains((dir.path / "suppressed").string()));
}
