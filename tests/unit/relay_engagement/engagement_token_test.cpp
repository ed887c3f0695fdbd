// EngagementKey (harness/relay/engagement/engagement_token.hpp): tokens open only under the key
// that made them and only as made; hostile tokens are refused, never a crash.
#include <catch2/catch.hpp>
#include <string>

#include "harness/relay/engagement/engagement_token.hpp"
#include "tests/lib/temp_dir.hpp"

using namespace relaylab::relay;

namespace {

const EngagementKey& key() {
    static const EngagementKey k(std::string(32, 'k'));
    return k;
}

EngagementTokenFields sample() {
    return {"u", "0193A2B4C5D6", "Alice.Smith+news@Example.TEST"};
}

}  // namespace

TEST_CASE("a token opens to the fields it was made from", "[engagement][token]") {
    std::string token = key().make(sample());
    INFO("token: " << token);
    // A path segment: only the URL-safe base64 alphabet and the one dot.
    CHECK(token.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
          std::string::npos);
    auto opened = key().open(token);
    REQUIRE(opened);
    CHECK(opened->kind == "u");
    CHECK(opened->message_id == "0193A2B4C5D6");
    CHECK(opened->recipient == "Alice.Smith+news@Example.TEST");
}

TEST_CASE("an empty message id still round-trips", "[engagement][token]") {
    auto opened = key().open(key().make({"o", "", "bob@example.test"}));
    REQUIRE(opened);
    CHECK(opened->message_id.empty());
    CHECK(opened->recipient == "bob@example.test");
}

TEST_CASE("a token changed anywhere does not open", "[engagement][token]") {
    const std::string token = key().make(sample());
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // Every octet, replaced by every other character of the alphabet: a MAC over the payload
    // leaves no edit that opens, and neither do the unused low bits of a part's last
    // character (one spelling per token).
    std::size_t opened = 0;
    for (std::size_t i = 0; i < token.size(); ++i) {
        for (char c : alphabet) {
            if (c == token[i] || token[i] == '.') continue;
            std::string edited = token;
            edited[i] = c;
            if (key().open(edited)) {
                ++opened;
                UNSCOPED_INFO("opened: " << edited);
            }
        }
    }
    CHECK(opened == 0);
}

TEST_CASE("a payload swapped for another recipient does not open", "[engagement][token]") {
    std::string mine = key().make(sample());
    std::string theirs = key().make({"u", "0193A2B4C5D6", "victim@example.test"});
    // Their payload with my MAC, and my payload with theirs.
    std::string forged1 = theirs.substr(0, theirs.find('.')) + mine.substr(mine.find('.'));
    std::string forged2 = mine.substr(0, mine.find('.')) + theirs.substr(theirs.find('.'));
    CHECK_FALSE(key().open(forged1));
    CHECK_FALSE(key().open(forged2));
}

TEST_CASE("another key's token does not open", "[engagement][token]") {
    EngagementKey other(std::string(32, 'o'));
    CHECK_FALSE(key().open(other.make(sample())));
    CHECK(other.open(other.make(sample())));
}

TEST_CASE("malformed and huge tokens are refused", "[engagement][token]") {
    const std::string good = key().make(sample());
    auto [label, token] = GENERATE_COPY(table<std::string, std::string>({
        {"empty", ""},
        {"no dot", good.substr(0, good.find('.'))},
        {"only a dot", "."},
        {"standard base64 alphabet", good + "+"},
        {"padding", good + "=="},
        {"two dots", good + ".AAAA"},
        {"MAC cut short", good.substr(0, good.size() - 2)},
        {"huge", std::string(max_engagement_token_bytes + 1, 'A') + "." + "AAAA"},
        {"NUL inside", std::string("AAAA\0.AAAA", 10)},
        {"percent-encoded", "%41%41.%41"},
    }));
    INFO(label);
    CHECK_FALSE(key().open(token));
}

TEST_CASE("a token without a recipient or kind does not open even with a valid MAC",
          "[engagement][token]") {
    CHECK_FALSE(key().open(key().make({"u", "id", ""})));
    CHECK_FALSE(key().open(key().make({"", "id", "a@b.test"})));
}

TEST_CASE("a short secret is refused", "[engagement][token]") {
    CHECK_THROWS_AS(EngagementKey(std::string(15, 'x')), std::invalid_argument);
}

TEST_CASE("load_or_create keeps one key per file", "[engagement][token]") {
    relaylab::testing::TempDir dir("engagement-key");
    auto file = (dir.path / "engagement.key").string();
    EngagementKey first = EngagementKey::load_or_create(file);
    std::string token = first.make(sample());
    // A restarted relay reads the same key: links in mail already sent keep working.
    EngagementKey again = EngagementKey::load_or_create(file);
    CHECK(again.open(token));
    CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::group_read) ==
          std::filesystem::perms::none);
    // Another spool, another key.
    EngagementKey other = EngagementKey::load_or_create((dir.path / "other.key").string());
    CHECK_FALSE(other.open(token));
}
