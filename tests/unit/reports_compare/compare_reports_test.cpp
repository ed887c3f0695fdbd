// compare_reports: the JSON behind `relaylab report compare`, checked number by number on two
// runs of the example report that differ the way a builtin-vs-Postfix comparison does.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "reports/report_writers.hpp"

using relaylab::reports::compare_reports;

namespace {

nlohmann::json example_report() {
    std::ifstream in(RELAYLAB_REPORT_EXAMPLE);
    REQUIRE(in);
    return nlohmann::json::parse(in);
}

// The example as if sent through Postfix: slower, two lost, DKIM failing on some.
nlohmann::json postfix_run() {
    nlohmann::json report = example_report();
    report["relay"] = {{"kind", "external"}, {"address", "127.0.0.1:2525"}};
    report["totals"]["delivered"] = 1990;
    report["totals"]["lost"] = 2;
    report["throughput"]["delivered_per_s"] = 99.5;
    report["latency_ms"]["end_to_end"]["p99"] = 3100.25;
    report["auth"]["dkim"] = {{"pass", 995}, {"fail", 995}};
    report["auth"]["spf"] = {{"softfail", 1990}};  // no "pass" key: none passed
    report["duration_s"] = 20.0;
    report["expectations"][1]["passed"] = true;
    report["passed"] = true;
    return report;
}

const nlohmann::json& metric(const nlohmann::json& comparison, std::string_view path) {
    for (const auto& row : comparison.at("metrics")) {
        if (row.at("path") == path) return row;
    }
    FAIL("no metric " << path);
    static const nlohmann::json none;
    return none;
}

}  // namespace

TEST_CASE("two runs side by side: runs, labels and values", "[reports][compare]") {
    const nlohmann::json comparison = compare_reports({example_report(), postfix_run()}, {});
    INFO(comparison.dump(1));
    CHECK(comparison.at("schema") == "relaylab.compare/1");

    const auto& runs = comparison.at("runs");
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].at("label") == "quickstart (builtin 127.0.0.1:40123)");
    CHECK(runs[1].at("label") == "quickstart (external 127.0.0.1:2525)");
    CHECK(runs[0].at("scenario") == "quickstart");
    CHECK(runs[1].at("relay") ==
          nlohmann::json{{"kind", "external"}, {"address", "127.0.0.1:2525"}});
    CHECK(runs[0].at("passed") == false);
    CHECK(runs[1].at("passed") == true);
    CHECK(runs[0].at("file").is_null());  // the caller knows the files

    using V = nlohmann::json;
    CHECK(metric(comparison, "totals.delivered").at("values") == V::array({1998, 1990}));
    CHECK(metric(comparison, "totals.lost").at("values") == V::array({0, 2}));
    CHECK(metric(comparison, "totals.in_flight").at("values") == V::array({0, 0}));
    CHECK(metric(comparison, "throughput.submit_per_s").at("values") == V::array({412.3, 412.3}));
    CHECK(metric(comparison, "throughput.delivered_per_s").at("values") == V::array({134.8, 99.5}));
    CHECK(metric(comparison, "latency_ms.submit.p50").at("values") == V::array({3.2, 3.2}));
    CHECK(metric(comparison, "latency_ms.end_to_end.p99").at("values") ==
          V::array({2250.7, 3100.25}));
    CHECK(metric(comparison, "latency_ms.end_to_end.max").at("values") ==
          V::array({2410.9, 2410.9}));
    CHECK(metric(comparison, "duration_s").at("values") == V::array({14.82, 20}));
    CHECK(metric(comparison, "expectations.passed").at("values") == V::array({2, 3}));
    CHECK(metric(comparison, "expectations.failed").at("values") == V::array({1, 0}));

    // Ratios are computed: pass / delivered, 0 when the verdict never happened.
    CHECK(metric(comparison, "auth.dkim.pass / totals.delivered").at("values") ==
          V::array({1, 0.5}));
    CHECK(metric(comparison, "auth.spf.pass / totals.delivered").at("values") == V::array({1, 0}));
    CHECK(metric(comparison, "auth.dmarc.pass / totals.delivered").at("values")[1].get<double>() ==
          Approx(1998.0 / 1990.0));
}

TEST_CASE("every metric row has its path, label, direction and one value per run",
          "[reports][compare]") {
    const nlohmann::json comparison =
        compare_reports({example_report(), postfix_run(), example_report()}, {"a", "b", "c"});
    std::set<std::string> paths;
    for (const auto& row : comparison.at("metrics")) {
        INFO(row.dump());
        CHECK(row.size() == 4);
        CHECK(row.at("label").is_string());
        CHECK(!row.at("label").get<std::string>().empty());
        CHECK((row.at("better").is_null() || row.at("better") == "lower" ||
               row.at("better") == "higher"));
        CHECK(row.at("values").size() == 3);
        CHECK(paths.insert(row.at("path").get<std::string>()).second);  // no row twice
    }
    for (const char* want : {"totals.submitted",
                             "totals.accepted",
                             "totals.rejected",
                             "totals.delivered",
                             "totals.deferred",
                             "totals.bounced",
                             "totals.lost",
                             "totals.duplicates",
                             "throughput.submit_per_s",
                             "throughput.delivered_per_s",
                             "latency_ms.submit.p50",
                             "latency_ms.submit.p90",
                             "latency_ms.submit.p99",
                             "latency_ms.submit.p999",
                             "latency_ms.submit.max",
                             "latency_ms.end_to_end.p50",
                             "latency_ms.end_to_end.p90",
                             "latency_ms.end_to_end.p99",
                             "latency_ms.end_to_end.p999",
                             "latency_ms.end_to_end.max",
                             "auth.spf.pass / totals.delivered",
                             "auth.dkim.pass / totals.delivered",
                             "auth.dmarc.pass / totals.delivered",
                             "duration_s",
                             "expectations.passed",
                             "expectations.failed"}) {
        INFO(want);
        CHECK(paths.count(want) == 1);
    }
    CHECK(metric(comparison, "totals.lost").at("better") == "lower");
    CHECK(metric(comparison, "throughput.delivered_per_s").at("better") == "higher");
    CHECK(metric(comparison, "latency_ms.end_to_end.p99").at("better") == "lower");
    CHECK(metric(comparison, "auth.dmarc.pass / totals.delivered").at("better") == "higher");
    CHECK(metric(comparison, "totals.submitted").at("better").is_null());
    // Counts stay integers in the JSON.
    CHECK(metric(comparison, "totals.delivered").at("values")[0].is_number_integer());
}

TEST_CASE("labels: given ones are used, defaults told apart, bad sets refused",
          "[reports][compare]") {
    const auto report = example_report();
    SECTION("given labels head the columns") {
        auto comparison = compare_reports({report, postfix_run()}, {"builtin", "postfix"});
        CHECK(comparison["runs"][0]["label"] == "builtin");
        CHECK(comparison["runs"][1]["label"] == "postfix");
    }
    SECTION("two runs with the same default label get their run number") {
        auto comparison = compare_reports({report, report}, {});
        CHECK(comparison["runs"][0]["label"] == "quickstart (builtin 127.0.0.1:40123)");
        CHECK(comparison["runs"][1]["label"] == "quickstart (builtin 127.0.0.1:40123) #2");
    }
    SECTION("an empty label falls back to the default") {
        auto comparison = compare_reports({report, postfix_run()}, {"", "postfix"});
        CHECK(comparison["runs"][0]["label"] == "quickstart (builtin 127.0.0.1:40123)");
    }
    SECTION("a report without scenario or relay is 'run N'") {
        nlohmann::json bare = {{"schema", "relaylab.report/1"}};
        auto comparison = compare_reports({bare, bare}, {});
        CHECK(comparison["runs"][0]["label"] == "run 1");
        CHECK(comparison["runs"][1]["label"] == "run 2");
    }
    SECTION("more labels than runs") {
        CHECK_THROWS_AS(compare_reports({report}, {"a", "b"}), std::invalid_argument);
    }
    SECTION("one label for two runs") {
        CHECK_THROWS_WITH(
            compare_reports({report, report}, {"same", "same"}),
            Catch::Contains("'same'") && Catch::Contains("run 1") && Catch::Contains("run 2"));
    }
}

TEST_CASE("documents that are not relaylab.report/1 are refused with the run index",
          "[reports][compare]") {
    auto other = example_report();
    other["schema"] = "relaylab.report/2";
    CHECK_THROWS_AS(compare_reports({example_report(), other}, {}), std::invalid_argument);
    CHECK_THROWS_WITH(compare_reports({example_report(), other}, {}),
                      Catch::Contains("run 2") && Catch::Contains("relaylab.report/2") &&
                          Catch::Contains("relaylab.report/1"));
    other.erase("schema");
    CHECK_THROWS_WITH(compare_reports({other}, {}),
                      Catch::Contains("run 1") && Catch::Contains("missing"));
    CHECK_THROWS_WITH(compare_reports({nlohmann::json::array()}, {}),
                      Catch::Contains("run 1") && Catch::Contains("array"));
    CHECK_THROWS_AS(compare_reports({}, {}), std::invalid_argument);
}

TEST_CASE("values a run lacks are null, never a made-up 0", "[reports][compare]") {
    nlohmann::json sparse = {{"schema", "relaylab.report/1"},
                             {"totals", {{"delivered", 0}, {"lost", "three"}}},
                             {"latency_ms", {{"end_to_end", {{"p99", nullptr}}}}},
                             {"auth", {{"dkim", {{"pass", 0}}}}}};
    const nlohmann::json comparison = compare_reports({sparse, example_report()}, {});
    INFO(comparison.dump(1));
    CHECK(metric(comparison, "totals.delivered").at("values")[0] == 0);
    CHECK(metric(comparison, "totals.lost").at("values")[0].is_null());  // a string: not a number
    CHECK(metric(comparison, "totals.submitted").at("values")[0].is_null());
    CHECK(metric(comparison, "latency_ms.end_to_end.p99").at("values")[0].is_null());
    CHECK(metric(comparison, "throughput.submit_per_s").at("values")[0].is_null());
    // Nothing delivered: no ratio. No SPF map at all: no ratio either.
    CHECK(metric(comparison, "auth.dkim.pass / totals.delivered").at("values")[0].is_null());
    CHECK(metric(comparison, "auth.spf.pass / totals.delivered").at("values")[0].is_null());
    CHECK(metric(comparison, "expectations.passed").at("values")[0].is_null());
    CHECK(comparison["runs"][0]["passed"].is_null());
    CHECK(comparison["runs"][0]["scenario"].is_null());
    CHECK(comparison["runs"][0]["relay"].is_null());
    // The other run is unaffected.
    CHECK(metric(comparison, "totals.lost").at("values")[1] == 0);
}
