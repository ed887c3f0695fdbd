// The comparison page from compare_reports' JSON (report_writers.hpp): runs, charts, the metric
// table with the best value marked.
#include <catch2/catch.hpp>

#include "reports/report_writers.hpp"
#include "tests/unit/reports_html/html_test_support.hpp"

namespace relaylab::reports {
namespace {

using test::count;

nlohmann::json three_runs() {
    return {
        {"schema", "relaylab.compare/1"},
        {"runs",
         {{{"label", "builtin"},
           {"file", "a/report.json"},
           {"scenario", "quickstart"},
           {"relay", "builtin 127.0.0.1:40123"},
           {"passed", true}},
          {{"label", "postfix"},
           {"file", "b/report.json"},
           {"scenario", "quickstart"},
           {"relay", {{"kind", "external"}, {"address", "127.0.0.1:2525"}}},
           {"passed", false}},
          {{"label", "provider"},
           {"file", "c/report.json"},
           {"scenario", "quickstart"},
           {"relay", "external smtp.provider.test:587"},
           {"passed", true}}}},
        {"metrics",
         {{{"path", "totals.delivered"},
           {"label", "delivered"},
           {"better", "higher"},
           {"values", {1998, 2000, 2000}}},
          {{"path", "totals.lost"}, {"label", "lost"}, {"better", "lower"}, {"values", {0, 0, 0}}},
          {{"path", "throughput.submit_per_s"},
           {"label", "submit rate"},
           {"better", "higher"},
           {"values", {412.3, 380.1, nullptr}}},
          {{"path", "throughput.delivered_per_s"},
           {"label", "delivery rate"},
           {"better", "higher"},
           {"values", {134.8, 150.2, 99.5}}},
          {{"path", "latency_ms.end_to_end.p50"},
           {"label", "e2e p50"},
           {"better", "lower"},
           {"values", {12.5, 40.2, 800.0}}},
          {{"path", "latency_ms.end_to_end.p99"},
           {"label", "e2e p99"},
           {"better", "lower"},
           {"values", {2250.7, 1900.0, 3100.0}}},
          {{"path", "auth.dkim.pass / totals.delivered"},
           {"label", "DKIM pass ratio"},
           {"better", "higher"},
           {"values", {1.0, 0.995, 1.0}}},
          {{"path", "duration_s"},
           {"label", "duration"},
           {"better", nullptr},
           {"values", {14.82, 20.1, 31.0}}}}}};
}

// The <tr> of the metric labelled `label`.
std::string row_of(const std::string& html, const std::string& label) {
    const std::size_t at = html.find("<tr><th scope=\"row\">" + label + "<");
    if (at == std::string::npos) return {};
    return html.substr(at, html.find("</tr>", at) - at);
}

TEST_CASE("the comparison page shows runs, two charts and every metric", "[reports_html]") {
    const std::string html = render_compare_html(three_runs());
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(test::chart_count(html) == 2);
    CHECK(test::loads_nothing(html));
    CHECK(test::shows_no_raw_non_numbers(html));
    CHECK(html.find("<h1>quickstart</h1>") != std::string::npos);
    CHECK(html.find("3 runs of the same scenario") != std::string::npos);
    CHECK(html.find("external \u00b7 127.0.0.1:2525") != std::string::npos);
    CHECK(count(html, "\u2713 passed") == 2);
    CHECK(count(html, "\u2717 failed") == 1);
    CHECK(count(html, "<tr><th scope=\"row\">") == 8);
    CHECK(row_of(html, "e2e p99").find("<td class=\"num\">2.25 s</td>") != std::string::npos);
    CHECK(row_of(html, "submit rate").find(">412.3/s<") != std::string::npos);
    CHECK(row_of(html, "submit rate").find("<td class=\"num\">\u2014</td>") != std::string::npos);
    CHECK(row_of(html, "DKIM pass ratio").find(">99.5%<") != std::string::npos);
    CHECK(row_of(html, "duration").find(">14.82 s<") != std::string::npos);
}

TEST_CASE("the best value is marked where better is known", "[reports_html]") {
    const std::string html = render_compare_html(three_runs());
    const auto best_cells = [&](const std::string& label) {
        return count(row_of(html, label), "class=\"num best\"");
    };
    // higher is better: a tie marks both.
    CHECK(best_cells("delivered") == 2);
    CHECK(row_of(html, "delivered").find("<td class=\"num\">1,998</td>") != std::string::npos);
    // all equal: nothing is better.
    CHECK(best_cells("lost") == 0);
    // a missing value is never best.
    CHECK(best_cells("submit rate") == 1);
    CHECK(row_of(html, "submit rate").find("412.3/s<span class=\"badge badge-best\">best") !=
          std::string::npos);
    CHECK(row_of(html, "e2e p50").find("12.5 ms<span class=\"badge badge-best\">best") !=
          std::string::npos);
    CHECK(row_of(html, "e2e p99").find("1.9 s<span class=\"badge badge-best\">best") !=
          std::string::npos);
    // better unknown: no mark.
    CHECK(best_cells("duration") == 0);
}

TEST_CASE("the comparison page escapes and survives partial input", "[reports_html]") {
    SECTION("labels with markup") {
        nlohmann::json comparison = three_runs();
        comparison["runs"][0]["label"] = "<script>x</script>";
        comparison["metrics"][0]["label"] = "<img src=y>";
        const std::string html = render_compare_html(comparison);
        CHECK(test::loads_nothing(html));
        CHECK(html.find("&lt;script&gt;x&lt;/script&gt;") != std::string::npos);
        CHECK(html.find("<img") == std::string::npos);
    }
    SECTION("nothing at all") {
        const std::string html = render_compare_html(nlohmann::json::object());
        CHECK(html.find("The comparison holds no runs.") != std::string::npos);
        CHECK(html.find("The comparison holds no metrics.") != std::string::npos);
        CHECK(test::chart_count(html) == 2);
        CHECK(render_compare_html(nlohmann::json()).find("</html>") != std::string::npos);
    }
    SECTION("values missing, short or mistyped") {
        nlohmann::json comparison = three_runs();
        comparison["metrics"][0]["values"] = {1};
        comparison["metrics"][1]["values"] = "none";
        comparison["metrics"][2]["values"] = {"fast", true, nullptr};
        comparison["metrics"][3]["values"] = {1.7e308, -1e300, 0.5};
        const std::string html = render_compare_html(comparison);
        CHECK(test::shows_no_raw_non_numbers(html));
        CHECK(count(row_of(html, "submit rate"), "\u2014") == 3);
        const std::string huge = row_of(html, "delivery rate");
        CHECK(huge.find(">1.70e+308/s<") != std::string::npos);
        CHECK(huge.find(">-1.00e+300/s<") != std::string::npos);
        CHECK(huge.find(">0.5/s<") != std::string::npos);
    }
    SECTION("more runs than fit are cut, and said so") {
        nlohmann::json comparison = three_runs();
        for (int i = 0; i < 40; ++i)
            comparison["runs"].push_back({{"label", "r" + std::to_string(i)}});
        const std::string html = render_compare_html(comparison);
        CHECK(html.find("43 runs") != std::string::npos);
        CHECK(html.find("The first 24 are shown.") != std::string::npos);
    }
}

}  // namespace
}  // namespace relaylab::reports
