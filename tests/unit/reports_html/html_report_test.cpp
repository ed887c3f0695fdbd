// report.html and the dashboard fragment from the shipped example report, and from reports that
// are empty, partial, broken or enormous.
#include <catch2/catch.hpp>

#include "reports/report_writers.hpp"
#include "tests/unit/reports_html/html_test_support.hpp"

namespace relaylab::reports {
namespace {

using test::chart_count;
using test::count;

// Throughput 1, latency histograms 2, domains 1, reply codes 2, SPF/DKIM/DMARC/ARC 4, TLS 3.
constexpr std::size_t charts_per_report = 13;

nlohmann::json timeline_of(std::size_t points, double value) {
    nlohmann::json timeline = nlohmann::json::array();
    for (std::size_t i = 0; i < points; ++i) {
        timeline.push_back({{"t", i},
                            {"submitted", value},
                            {"accepted", value},
                            {"delivered", value},
                            {"deferred", 0},
                            {"bounced", 0}});
    }
    return timeline;
}

TEST_CASE("the example report renders every section and chart", "[reports_html]") {
    const std::string html = render_html(test::example_report());
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("</html>") != std::string::npos);
    for (std::string_view id : {"summary", "expectations", "throughput", "latency", "domains",
                                "replies", "auth", "tls", "world"}) {
        INFO("section " << id);
        CHECK(count(html, "<section id=\"" + std::string(id) + "\"") == 1);
    }
    CHECK(chart_count(html) == charts_per_report);
    // Every chart has an accessible name.
    CHECK(count(html, "<svg class=\"chart\" role=\"img\" aria-label=\"") == charts_per_report);
    CHECK(test::loads_nothing(html));
    CHECK(test::shows_no_raw_non_numbers(html));
}

TEST_CASE("the example report shows its numbers the way people read them", "[reports_html]") {
    const std::string html = render_html(test::example_report());
    CHECK(html.find("<h1>quickstart</h1>") != std::string::npos);
    CHECK(html.find("The builtin relay delivering to three simulated mailbox providers") !=
          std::string::npos);
    CHECK(html.find("builtin \u00b7 127.0.0.1:40123") != std::string::npos);
    CHECK(html.find("r7f3a2c") != std::string::npos);
    CHECK(html.find("14.82 s") != std::string::npos);
    // passed: false, one expectation of three failed.
    CHECK(html.find(">FAILED<") != std::string::npos);
    CHECK(html.find("2 of 3 expectations held") != std::string::npos);
    CHECK(html.find("<div class=\"tile-value\">2,000</div>") != std::string::npos);
    CHECK(html.find("<div class=\"tile-value\">1,998</div>") != std::string::npos);
    CHECK(html.find("412.3/s") != std::string::npos);
    CHECK(html.find("<div class=\"tile-value\">2.25 s</div>") != std::string::npos);
    // The failed expectation: a word and a class, not a colour alone.
    CHECK(count(html, "\u2717 failed") == 1);
    CHECK(count(html, "\u2713 passed") == 2);
    CHECK(html.find("<code>latency_ms.end_to_end.p99 &lt; 2000</code>") != std::string::npos);
    // Per domain and per MX host.
    CHECK(html.find("<td>gmail.test</td>") != std::string::npos);
    CHECK(html.find("451 \u00d7680") != std::string::npos);
    CHECK(html.find("mx1.yahoo.test") != std::string::npos);
    CHECK(html.find("preset rate-limited") != std::string::npos);
    CHECK(html.find("127.0.0.1:40001") != std::string::npos);
    CHECK(html.find("TLS_AES_256_GCM_SHA384") != std::string::npos);
    CHECK(html.find("closed loop") != std::string::npos);
}

TEST_CASE("verdicts: passed, failed, run error, none yet", "[reports_html]") {
    nlohmann::json report = test::example_report();
    SECTION("passed") {
        report["passed"] = true;
        CHECK(render_html(report).find(">PASSED<") != std::string::npos);
    }
    SECTION("a run error wins over the expectations and is shown in full") {
        report["error"] = "cannot bind 127.0.0.1:25: Address already in use";
        const std::string html = render_html(report);
        CHECK(html.find(">RUN ERROR<") != std::string::npos);
        CHECK(html.find("RUN ERROR: </strong>cannot bind 127.0.0.1:25: Address already in use") !=
              std::string::npos);
        CHECK(html.find(">FAILED<") == std::string::npos);
    }
    SECTION("an error that is not a string is still shown") {
        report["error"] = {{"what", "drain timed out"}};
        CHECK(render_html(report).find("drain timed out") != std::string::npos);
    }
    SECTION("a snapshot without a verdict") {
        report.erase("passed");
        report.erase("expectations");
        const std::string html = render_html(report);
        CHECK(html.find(">NO VERDICT YET<") != std::string::npos);
        CHECK(html.find("This run has no expectations.") != std::string::npos);
    }
}

TEST_CASE("empty, partial and mistyped reports render with every chart", "[reports_html]") {
    const auto renders_whole = [](const nlohmann::json& report) {
        const std::string html = render_html(report);
        CHECK(chart_count(html) == charts_per_report);
        CHECK(test::loads_nothing(html));
        CHECK(test::shows_no_raw_non_numbers(html));
        CHECK(html.find("</html>") != std::string::npos);
        return html;
    };
    SECTION("an empty object") {
        const std::string html = renders_whole(nlohmann::json::object());
        CHECK(html.find(">NO VERDICT YET<") != std::string::npos);
        CHECK(count(html, ">No data<") == charts_per_report);
        CHECK(count(html, "<div class=\"tile-value\">\u2014</div>") == 10);
        CHECK(html.find("class=\"tile tile-good\"") ==
              std::string::npos);  // nothing to be pleased about
    }
    SECTION("not an object at all") {
        renders_whole(nlohmann::json());
        renders_whole(nlohmann::json::array({1, 2, 3}));
        renders_whole("report");
    }
    SECTION("a run that broke after the first second") {
        nlohmann::json report = {{"schema", "relaylab.report/1"},
                                 {"scenario", {{"name", "dns-chaos"}}},
                                 {"totals", {{"submitted", 10}, {"accepted", 3}}},
                                 {"throughput", {{"timeline", timeline_of(1, 3)}}},
                                 {"error", "the relay exited"},
                                 {"passed", false}};
        const std::string html = renders_whole(report);
        CHECK(html.find(">RUN ERROR<") != std::string::npos);
        CHECK(html.find("<div class=\"tile-value\">10</div>") != std::string::npos);
        CHECK(html.find("30% of submitted") != std::string::npos);
    }
    SECTION("every part of the wrong type") {
        nlohmann::json report = {
            {"scenario", "quickstart"},
            {"totals", {{"submitted", "many"}, {"delivered", nullptr}, {"lost", true}}},
            {"throughput",
             {{"timeline", {"a", 1, nullptr, {{"t", "x"}, {"submitted", "y"}}}},
              {"timeline_step_s", -4},
              {"submit_per_s", "fast"}}},
            {"latency_ms", {{"submit", {{"p99", "slow"}}}, {"histograms", {{"submit", 3}}}}},
            {"domains", {{"domain", 7}}},
            {"replies", {{"submission", {250, 451}}, {"receivers", {{"250", "x"}}}}},
            {"failures", {{"submission", {{"timeout", "3"}, {"tls", {{"handshake", 2}}}}}}},
            {"auth", {{"spf", "pass"}, {"dkim", {{"pass", -5}}}}},
            {"tls", {{"versions", {{"TLSv1.3", 1e308}}}}},
            {"world", {{"mx", {{{"name", 1}, {"domains", "gmail.test"}}}}, {"dns", 53}}},
            {"expectations", {"x", {{"name", nullptr}, {"passed", "yes"}}}},
            {"passed", "no"},
            {"error", nullptr}};
        const std::string html = renders_whole(report);
        CHECK(html.find(">NO VERDICT YET<") != std::string::npos);
        CHECK(html.find("submission: tls: handshake") != std::string::npos);
    }
}

TEST_CASE("timelines of 0, 1 and 10,000 points, all zeros and huge values", "[reports_html]") {
    nlohmann::json report = test::example_report();
    SECTION("no point") {
        report["throughput"]["timeline"] = nlohmann::json::array();
        const std::string html = render_html(report);
        CHECK(test::first_line_points(html) == 0);
        CHECK(count(html, ">No data<") == 1);
    }
    SECTION("one point: a line of one point gets a dot") {
        report["throughput"]["timeline"] = timeline_of(1, 5);
        const std::string html = render_html(report);
        CHECK(test::first_line_points(html) == 1);
        CHECK(count(html, "<circle") == 5);  // one per series
    }
    SECTION("10,000 points are drawn as at most 600, in a page under 2 MB") {
        report["throughput"]["timeline"] = timeline_of(10'000, 250);
        const std::string html = render_html(report);
        CHECK(html.size() < 2'000'000);
        CHECK(test::first_line_points(html) <= 600);
        CHECK(test::first_line_points(html) >= 500);
        CHECK(html.find("each point: mean of 17 steps") != std::string::npos);
        // The averaged rate is still the rate.
        CHECK(html.find("submitted: 250") != std::string::npos);
        CHECK(html.find(">2 h 45 min<") == std::string::npos);  // ticks are round numbers
        CHECK(html.find(">2 h<") != std::string::npos);
    }
    SECTION("all zeros") {
        report["throughput"]["timeline"] = timeline_of(30, 0);
        const std::string html = render_html(report);
        CHECK(test::first_line_points(html) == 30);
        CHECK(test::shows_no_raw_non_numbers(html));
    }
    SECTION("huge values") {
        report["throughput"]["timeline"] = timeline_of(20, 1e300);
        report["totals"]["submitted"] = 1.7e308;
        report["latency_ms"]["end_to_end"]["p99"] = 1e300;
        report["latency_ms"]["histograms"]["end_to_end"] = {{{"le", 1e300}, {"count", 1e300}}};
        const std::string html = render_html(report);
        CHECK(test::shows_no_raw_non_numbers(html));
        CHECK(html.find("1.70e+308") != std::string::npos);
        CHECK(chart_count(html) == charts_per_report);
    }
}

TEST_CASE("the dashboard fragment is the page's content alone", "[reports_html]") {
    const nlohmann::json report = test::example_report();
    const std::string sections = render_html_sections(report);
    const std::string page = render_html(report);
    for (std::string_view outer : {"<html", "<head>", "<body", "<style", "<main", "<!DOCTYPE"}) {
        INFO(outer);
        CHECK(sections.find(outer) == std::string::npos);
    }
    CHECK(chart_count(sections) == charts_per_report);
    CHECK(page.find(sections) != std::string::npos);
    CHECK(render_html_sections(nlohmann::json::object()).find("NO VERDICT YET") !=
          std::string::npos);
}

TEST_CASE("the stylesheet is inlined and loads nothing", "[reports_html]") {
    const std::string_view css = html_stylesheet();
    CHECK(css.size() > 1000);
    CHECK(test::loads_nothing(css));
    CHECK(css.find("</style") == std::string_view::npos);
    CHECK(render_html(test::example_report()).find(css) != std::string::npos);
    // Every tone the charts use has a colour.
    for (std::string_view tone : {"submitted", "accepted", "delivered", "deferred", "bounced",
                                  "good", "warn", "bad", "neutral", "info", "p50", "p99"}) {
        INFO(tone);
        CHECK(css.find(".tone-" + std::string(tone)) != std::string_view::npos);
    }
}

TEST_CASE("the builtin relay's own account shows when the report has it", "[reports_html]") {
    nlohmann::json report = test::example_report();
    CHECK(render_html(report).find("own account") == std::string::npos);
    report["relay"]["stats"] = {{"deliveries", {{"delivered", 1998}, {"deferred", 49}}},
                                {"attempts", {{"none", 12345}}},
                                {"dsn_created", 2}};
    const std::string html = render_html(report);
    CHECK(html.find("The builtin relay's own account") != std::string::npos);
    CHECK(html.find("Attempts with no reply</th><td>12,345") != std::string::npos);
    CHECK(html.find("Recipient deferrals</th><td>49") != std::string::npos);
}

}  // namespace
}  // namespace relaylab::reports
