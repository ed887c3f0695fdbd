// Which shard a run is and what it sends: the parts of a count add up exactly, whatever N;
// the Indexed Job's variable selects the shard only when N is known; bad values are refused
// with a message naming them.
#include <catch2/catch.hpp>

#include "harness/runner/shard_plan.hpp"

using namespace relaylab::runner;

TEST_CASE("--shard I/N parses only well-formed, in-range values") {
    CHECK(parse_shard("0/1") == ShardSpec{0, 1});
    CHECK(parse_shard("3/4") == ShardSpec{3, 4});
    CHECK(parse_shard("9999/10000") == ShardSpec{9999, 10000});
    for (const char* bad :
         {"", "1", "/4", "1/", "4/4", "5/4", "0/0", "-1/4", "1/-4", " 1/4", "1/4 ", "01/4", "1/04",
          "1/10001", "a/b", "1/4/5", "1\n/4", "99999999999/4"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_shard(bad), ShardError);
    }
    CHECK_THROWS_WITH(parse_shard("4/4"), Catch::Contains("I must be below N"));
    CHECK_THROWS_WITH(parse_shard("1/x"), Catch::Contains("expected I/N"));
}

TEST_CASE("the shard is --shard, else JOB_COMPLETION_INDEX with N, else none") {
    using S = std::optional<std::string>;
    CHECK_FALSE(select_shard(S{}, std::nullopt, std::nullopt, nullptr));
    // N alone (a laptop running the Job's scenario): the whole run.
    CHECK_FALSE(select_shard(S{}, 4u, 4u, nullptr));
    CHECK(select_shard(S{"1/4"}, std::nullopt, std::nullopt, nullptr) == ShardSpec{1, 4});
    // --shard wins over the environment.
    CHECK(select_shard(S{"1/4"}, std::nullopt, 8u, "7") == ShardSpec{1, 4});
    CHECK(select_shard(S{}, 4u, std::nullopt, "3") == ShardSpec{3, 4});
    CHECK(select_shard(S{}, std::nullopt, 4u, "0") == ShardSpec{0, 4});
    // --shards wins over the scenario's "shards".
    CHECK(select_shard(S{}, 8u, 4u, "6") == ShardSpec{6, 8});
    CHECK_THROWS_WITH(select_shard(S{}, std::nullopt, std::nullopt, "2"),
                      Catch::Contains("number of shards is not"));
    CHECK_THROWS_WITH(select_shard(S{}, 4u, std::nullopt, "4"),
                      Catch::Contains("must be below the 4 shards"));
    for (const char* bad : {"", "x", "-1", "01", "1.0", " 1"}) {
        INFO(bad);
        CHECK_THROWS_AS(select_shard(S{}, 4u, std::nullopt, bad), ShardError);
    }
    CHECK_THROWS_WITH(select_shard(S{"1/4"}, 8u, std::nullopt, nullptr),
                      Catch::Contains("disagree"));
    CHECK_THROWS_AS(select_shard(S{}, 0u, std::nullopt, "0"), ShardError);
    CHECK_THROWS_AS(select_shard(S{}, 10001u, std::nullopt, "0"), ShardError);
}

TEST_CASE("the shards' message counts add up to the total exactly and differ by one at most") {
    for (std::uint64_t total : {0ULL, 1ULL, 3ULL, 4ULL, 5ULL, 40000ULL, 40001ULL, 999983ULL}) {
        for (unsigned count : {1u, 2u, 3u, 4u, 7u, 100u}) {
            std::uint64_t sum = 0, low = UINT64_MAX, high = 0;
            for (unsigned index = 0; index < count; ++index) {
                std::uint64_t part = shard_message_count(total, {index, count});
                // Shard `index` owns n = index + 1 + k * count for n <= total.
                std::uint64_t owned = 0;
                if (total < 2000)
                    for (std::uint64_t n = index + 1; n <= total; n += count)
                        ++owned;
                if (total < 2000) CHECK(part == owned);
                sum += part;
                low = std::min(low, part);
                high = std::max(high, part);
            }
            INFO(total << " over " << count);
            CHECK(sum == total);
            CHECK(high - low <= 1);
        }
    }
    CHECK(shard_message_count(UINT64_MAX, {0, 1}) == UINT64_MAX);
}

TEST_CASE("connections split like messages, and every shard keeps one") {
    std::size_t sum = 0;
    for (unsigned index = 0; index < 4; ++index)
        sum += shard_concurrency(10, {index, 4});
    CHECK(sum == 10);
    CHECK(shard_concurrency(10, {0, 4}) == 3);
    CHECK(shard_concurrency(10, {3, 4}) == 2);
    CHECK(shard_concurrency(2, {3, 4}) == 1);
}

TEST_CASE("run ids: derived from the digest, or given and checked") {
    CHECK(derived_run_id("sha256:7280fe7cf1a0f0c0ffee") == "s7280fe7cf1");
    for (const char* bad : {"", "sha256:", "sha256:7280fe7cf", "7280fe7cf1a0f0c0ffee",
                            "sha256:7280FE7CF1A0", "sha256:7280fe7cf1-0"}) {
        INFO(bad);
        CHECK_THROWS_AS(derived_run_id(bad), ShardError);
    }
    CHECK(checked_run_id("0e4c1f2a-9b7d-4c1e-8f3a-5d6e7f8a9b0c", "--run-id") ==
          "0e4c1f2a-9b7d-4c1e-8f3a-5d6e7f8a9b0c");
    for (const char* bad : {"", "a b", "a/b", "a@b", "ü", "a\r\nX-Injected: 1"}) {
        INFO(bad);
        CHECK_THROWS_AS(checked_run_id(bad, "RELAYLAB_RUN_ID"), ShardError);
    }
    CHECK_THROWS_AS(checked_run_id(std::string(65, 'a'), "--run-id"), ShardError);
    CHECK_THROWS_WITH(checked_run_id("a b", "RELAYLAB_RUN_ID"), Catch::Contains("RELAYLAB_RUN_ID"));
}
