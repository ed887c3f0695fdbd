// The range builder behind GET /api/v1/tracking, without a store: what counts as a message
// number of a run, and how numbers become counts, merged ranges and duplicate evidence.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "fake-mx/capture/tracking_coverage.hpp"

using namespace relaylab::fakemx::capture;

namespace Catch {
template <>
struct StringMaker<TrackingRange> {
    static std::string convert(const TrackingRange& r) {
        return "[" + std::to_string(r.first) + ", " + std::to_string(r.last) + "]";
    }
};
}  // namespace Catch

namespace {

TrackingCoverage coverage_of(const std::vector<std::string>& ids, std::string run = "r1") {
    TrackingCoverageBuilder builder(std::move(run));
    for (const std::string& id : ids)
        builder.add(id);
    return builder.finish();
}

std::vector<std::string> ids(std::string_view run, const std::vector<std::uint64_t>& numbers) {
    std::vector<std::string> out;
    for (std::uint64_t n : numbers)
        out.push_back(std::string(run) + "-" + std::to_string(n));
    return out;
}

}  // namespace

TEST_CASE("no ids: all counts zero, no ranges") {
    TrackingCoverage c = coverage_of({});
    CHECK(c.run_id == "r1");
    CHECK(c.messages == 0);
    CHECK(c.distinct == 0);
    CHECK(c.duplicates == 0);
    CHECK(c.ranges.empty());
    CHECK_FALSE(c.ranges_truncated);
    CHECK(c.other == 0);
    CHECK(c.duplicated.empty());
}

TEST_CASE("one id is one range of one number") {
    TrackingCoverage c = coverage_of({"r1-7"});
    CHECK(c.messages == 1);
    CHECK(c.distinct == 1);
    CHECK(c.ranges == std::vector<TrackingRange>{{7, 7}});
}

TEST_CASE("numbers in any order merge into sorted inclusive ranges around the gaps") {
    // 1-5, 7, 9-10 arriving shuffled, as several SMTP sessions deliver them.
    TrackingCoverage c = coverage_of(ids("r1", {9, 3, 1, 10, 5, 2, 7, 4}));
    CHECK(c.messages == 8);
    CHECK(c.distinct == 8);
    CHECK(c.duplicates == 0);
    CHECK(c.ranges == std::vector<TrackingRange>{{1, 5}, {7, 7}, {9, 10}});
}

TEST_CASE("duplicates are counted and each extra arrival listed, smallest first") {
    TrackingCoverage c = coverage_of(ids("r1", {2045, 17, 1, 2045, 17, 2045, 2, 3}));
    CHECK(c.messages == 8);
    CHECK(c.distinct == 5);
    CHECK(c.duplicates == 3);
    CHECK(c.duplicated == std::vector<std::uint64_t>{17, 2045, 2045});
    CHECK(c.ranges == std::vector<TrackingRange>{{1, 3}, {17, 17}, {2045, 2045}});
}

TEST_CASE("the duplicated list stops at max_duplicated_listed, the count does not") {
    std::vector<std::uint64_t> numbers;
    for (std::uint64_t n = 1; n <= 150; ++n) {
        numbers.push_back(n);
        numbers.push_back(n);
    }
    TrackingCoverage c = coverage_of(ids("r1", numbers));
    CHECK(c.duplicates == 150);
    REQUIRE(c.duplicated.size() == max_duplicated_listed);
    CHECK(c.duplicated.front() == 1);
    CHECK(c.duplicated.back() == max_duplicated_listed);
    CHECK(c.ranges == std::vector<TrackingRange>{{1, 150}});
}

TEST_CASE("past max_coverage_ranges ranges the list is cut, the counts stay exact") {
    // Every odd number: each is its own range.
    const std::uint64_t count = max_coverage_ranges + 5;
    TrackingCoverageBuilder builder("r1");
    for (std::uint64_t i = 0; i < count; ++i)
        builder.add("r1-" + std::to_string(2 * i + 1));
    builder.add("r1-2");  // joins the first range: 1-3
    builder.add("r1-3");  // a duplicate of a number in a kept range
    TrackingCoverage c = builder.finish();
    CHECK(c.messages == count + 2);
    CHECK(c.distinct == count + 1);
    CHECK(c.duplicates == 1);
    CHECK(c.ranges_truncated);
    REQUIRE(c.ranges.size() == max_coverage_ranges);
    CHECK(c.ranges.front() == TrackingRange{1, 3});
    // 1-3 took the first two odd numbers: range k >= 1 is the number 2k + 3.
    const std::uint64_t last_kept = 2 * (max_coverage_ranges - 1) + 3;
    CHECK(c.ranges.back() == TrackingRange{last_kept, last_kept});
}

TEST_CASE("exactly max_coverage_ranges ranges are not truncated") {
    TrackingCoverageBuilder builder("r1");
    for (std::uint64_t i = 0; i < max_coverage_ranges; ++i)
        builder.add("r1-" + std::to_string(2 * i + 1));
    TrackingCoverage c = builder.finish();
    CHECK(c.ranges.size() == max_coverage_ranges);
    CHECK_FALSE(c.ranges_truncated);
}

TEST_CASE("ids of this run that are not a number count as other; other runs are ignored") {
    struct Case {
        const char* id;
        TrackingIdKind want;
    };
    auto [id, want] = GENERATE(values<Case>({
        {"r1-1", TrackingIdKind::number},
        {"r1-40000", TrackingIdKind::number},
        {"r1-", TrackingIdKind::malformed},
        {"r1-0", TrackingIdKind::malformed},    // numbers start at 1
        {"r1-007", TrackingIdKind::malformed},  // make_tracking_id writes no leading zero
        {"r1--5", TrackingIdKind::malformed},   // no sign
        {"r1-+5", TrackingIdKind::malformed},
        {"r1-5x", TrackingIdKind::malformed},  // trailing text
        {"r1-5 ", TrackingIdKind::malformed},
        {"r1-x-5", TrackingIdKind::malformed},  // a run "r1-x" shares the prefix "r1-"
        {"r1-18446744073709551616", TrackingIdKind::malformed},  // UINT64_MAX + 1
        {"r1", TrackingIdKind::other_run},
        {"r10-5", TrackingIdKind::other_run},
        {"R1-5", TrackingIdKind::other_run},  // run ids are compared exactly
        {"xr1-5", TrackingIdKind::other_run},
        {"", TrackingIdKind::other_run},
    }));
    INFO("id '" << id << "'");
    CHECK(classify_tracking_id(id, "r1").kind == want);
}

TEST_CASE("other counts the malformed ids of the run and nothing else") {
    TrackingCoverage c =
        coverage_of({"r1-1", "r1-0", "r1-007", "r1-abc", "r2-2", "r10-3", "", "r1-2"});
    CHECK(c.messages == 2);
    CHECK(c.other == 3);
    CHECK(c.ranges == std::vector<TrackingRange>{{1, 2}});
}

TEST_CASE("numbers near UINT64_MAX merge without wrapping") {
    const std::uint64_t max = UINT64_MAX;
    TrackingCoverage c = coverage_of(ids("r1", {max, 1, max - 1, max, max - 3}));
    CHECK(classify_tracking_id("r1-18446744073709551615", "r1").number == max);
    CHECK(c.messages == 5);
    CHECK(c.distinct == 4);
    CHECK(c.duplicated == std::vector<std::uint64_t>{max});
    CHECK(c.ranges == std::vector<TrackingRange>{{1, 1}, {max - 3, max - 3}, {max - 1, max}});
}

TEST_CASE("run ids: 1 to 128 bytes of A-Z a-z 0-9 . _ -") {
    CHECK(valid_run_id("r1a2b3c4"));
    CHECK(valid_run_id("load.Test_run-2"));
    CHECK(valid_run_id(std::string(max_run_id_bytes, 'a')));
    CHECK_FALSE(valid_run_id(""));
    CHECK_FALSE(valid_run_id(std::string(max_run_id_bytes + 1, 'a')));
    CHECK_FALSE(valid_run_id("r 1"));
    CHECK_FALSE(valid_run_id("r1/2"));
    CHECK_FALSE(valid_run_id("r\xc3\xa9"));
    CHECK_FALSE(valid_run_id(std::string("r\0", 2)));
}
