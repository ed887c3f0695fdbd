// The chart primitives at their edges: axes, labels, caps on what a report can make them draw.
#include <catch2/catch.hpp>

#include "reports/svg_charts.hpp"
#include "reports/svg_primitives.hpp"
#include "tests/unit/reports_html/html_test_support.hpp"

namespace relaylab::reports::svg {
namespace {

using test::count;

TEST_CASE("nice_ticks cover the range in steps of 1, 2 or 5 times a power of ten",
          "[reports_html]") {
    CHECK(nice_ticks(0, 412, 5) == std::vector<double>{0, 100, 200, 300, 400, 500});
    CHECK(nice_ticks(0, 2000, 4) == std::vector<double>{0, 500, 1000, 1500, 2000});
    const std::vector<double> unit = nice_ticks(0, 0, 5);  // nothing to show: 0..1
    CHECK(unit.size() == 6);
    CHECK(unit.front() == 0);
    CHECK(unit.back() == Approx(1));
    CHECK(nice_ticks(0, 7, 5) == std::vector<double>{0, 2, 4, 6, 8});
    const std::vector<double> huge = nice_ticks(0, 1e300, 5);
    CHECK(huge.back() >= 1e300);
    CHECK(std::isfinite(huge.back()));
    CHECK(huge.size() <= 7);
}

TEST_CASE("time_ticks step in units people count in", "[reports_html]") {
    CHECK(time_ticks(5, 10) == std::vector<double>{0, 1, 2, 3, 4, 5});
    CHECK(time_ticks(14.82, 10) == std::vector<double>{0, 2, 4, 6, 8, 10, 12, 14, 16});
    CHECK(time_ticks(3600, 10) == std::vector<double>{0, 600, 1200, 1800, 2400, 3000, 3600});
    CHECK(time_ticks(0, 10) == std::vector<double>{0, 1});
    CHECK(time_label(600) == "10 min");
    CHECK(time_label(5400) == "1 h 30 min");
    CHECK(time_label(90) == "1 min 30 s");
    CHECK(time_label(12) == "12 s");
}

TEST_CASE("shorten cuts whole code points", "[reports_html]") {
    CHECK(shorten("gmail.test", 28) == "gmail.test");
    CHECK(shorten("abcd", 4) == "abcd");
    CHECK(shorten("abcde", 4) == "abc\u2026");
    // Three two-byte letters: a cut must not split one.
    CHECK(shorten("\xC3\xBC\xC3\xBC\xC3\xBC", 2) == "\xC3\xBC\u2026");
    CHECK(shorten("abc", 0).empty());
}

TEST_CASE("a bar list sums what does not fit into one row", "[reports_html]") {
    std::vector<Bar> bars;
    for (int i = 0; i < 20; ++i)
        bars.push_back({"code " + std::to_string(i), 1, "good"});
    const std::string svg = bar_list_chart("codes", bars, 540);
    CHECK(count(svg, "class=\"row-label\"") == max_bar_rows);
    CHECK(svg.find(">other (9)<") != std::string::npos);
    CHECK(svg.find(">9</tspan> 45%<") != std::string::npos);
    CHECK(bar_list_chart("none", {}, 540).find(">No data<") != std::string::npos);
}

TEST_CASE("a histogram copes with a 0 ms bucket, duplicates and too many buckets",
          "[reports_html]") {
    std::string svg = histogram_chart("h", {{0, 5}, {1, 10}, {1, 10}, {-3, 9}, {10, 1}},
                                      "submitted", {{"p50", 0.8}, {"p99", 9}});
    CHECK(count(svg, "class=\"bar\"") == 3);  // 0, 1 (merged), 10; the negative bound dropped
    CHECK(svg.find("1 ms: 20 (") != std::string::npos);
    CHECK(svg.find(">p99 9 ms<") != std::string::npos);
    CHECK(svg.find(">1 ms<") != std::string::npos);
    CHECK(svg.find(">10 ms<") != std::string::npos);

    std::vector<HistogramBucket> many;
    for (int i = 1; i <= 5000; ++i)
        many.push_back({static_cast<double>(i), 1});
    svg = histogram_chart("h", many, "submitted", {});
    CHECK(count(svg, "class=\"bar\"") <= max_histogram_buckets);
    CHECK(histogram_chart("h", {}, "submitted", {}).find(">No data<") != std::string::npos);
    CHECK(histogram_chart("h", {{5, 0}}, "submitted", {}).find(">No data<") != std::string::npos);
}

TEST_CASE("a stacked share row splits 100% and shows its total", "[reports_html]") {
    const std::string svg = stacked_share_chart(
        "domains", {{"delivered", "delivered"}, {"deferred", "deferred"}, {"bounced", "bounced"}},
        {{"gmail.test", {1000, 680, 0}}, {"empty.test", {0, 0, 0}}}, "attempts");
    CHECK(svg.find("gmail.test \u2014 delivered: 1,000 (59.5%)") != std::string::npos);
    CHECK(svg.find("gmail.test \u2014 deferred: 680 (40.5%)") != std::string::npos);
    CHECK(svg.find(">1,680 attempts<") != std::string::npos);
    CHECK(svg.find(">0 attempts<") != std::string::npos);
    CHECK(svg.find("bounced:") == std::string::npos);  // a zero part draws nothing

    std::vector<StackRow> rows(100, StackRow{"d", {1, 1, 1}});
    const std::string capped = stacked_share_chart("domains", {{"a", "good"}}, rows, "attempts");
    CHECK(count(capped, "class=\"row-label\"") == max_stack_rows);
    CHECK(capped.find("40 of 100 rows shown") != std::string::npos);
}

TEST_CASE("a grouped bar chart marks a missing value", "[reports_html]") {
    const std::string svg = grouped_bar_chart(
        "throughput", {{"submitted/s", "submitted"}, {"delivered/s", "delivered"}},
        {{"builtin", {412.3, 134.8}}, {"postfix", {std::nullopt, 90}}},
        [](double v) { return std::to_string(static_cast<int>(v)); });
    CHECK(count(svg, "class=\"bar ") == 3);
    CHECK(count(svg, ">n/a<") == 1);
    CHECK(svg.find("builtin \u2014 submitted/s: 412") != std::string::npos);
}

TEST_CASE("a line chart with no point is a frame saying so", "[reports_html]") {
    LineChart chart;
    chart.label = "t";
    chart.series.push_back({"submitted", "submitted", {}});
    const std::string svg = line_chart(chart);
    CHECK(svg.find(">No data<") != std::string::npos);
    CHECK(svg.find("<path") == std::string::npos);
}

TEST_CASE("tone classes keep to [a-z0-9-]", "[reports_html]") {
    CHECK(tone_class("good") == "tone-good");
    CHECK(tone_class("x\" onload=\"y") == "tone-xonloady");
}

}  // namespace
}  // namespace relaylab::reports::svg

namespace relaylab::reports::svg {
namespace {

TEST_CASE("parts near the largest drawable value still split one bar", "[reports_html]") {
    const std::string svg =
        stacked_share_chart("domains", {{"delivered", "delivered"}, {"bounced", "bounced"}},
                            {{"huge.test", {1e308, 1e308}}}, "attempts");
    CHECK(test::count(svg, "(50%)") == 2);
    CHECK(svg.find("(100%)") == std::string::npos);
}

TEST_CASE("axis labels that would overlap are left out", "[reports_html]") {
    AxisLabelSpacing spacing;
    CHECK(spacing.fits(100, "1 ms"));
    CHECK_FALSE(spacing.fits(110, "10 ms"));
    CHECK(spacing.fits(160, "10 ms"));
    // Decades up to 10^300: every label drawn is clear of the one before.
    const std::string svg = histogram_chart("h", {{0.5, 1}, {1e300, 1}}, "submitted", {});
    CHECK(test::count(svg, "text-anchor=\"middle\">") < 9);
}

}  // namespace
}  // namespace relaylab::reports::svg
