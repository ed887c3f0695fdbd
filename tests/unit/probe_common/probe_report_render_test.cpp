#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "probes/common/check_result.hpp"
#include "reports/probe_report_writers.hpp"
#include "tests/unit/reports_junit/mini_xml.hpp"

using namespace relaylab;

namespace {
nlohmann::json hostile_report() {
    probe::ProbeReport report;
    report.target = "mx.example.test:25";
    report.address = "127.0.0.1";
    report.started_at = "2026-12-02T17:00:00.000Z";
    report.duration_s = 1.5;
    report.checks.push_back(probe::make_result("banner", probe::Verdict::pass, "220 in 3 ms",
                                               {"S: 220 <script>alert(1)</script> ESMTP"}));
    report.checks.push_back(
        probe::make_result("open-relay.percent-hack", probe::Verdict::fail,
                           "accepted user%relay-test.example@[127.0.0.1]",
                           {"C: RCPT TO:<user%relay-test.example@x>", "S: 250 2.1.5 Ok \x01\xff"}));
    report.checks.push_back(
        probe::make_result("dnsbl", probe::Verdict::error, "timed out \"quoted\" & <b>"));
    report.checks.push_back(probe::make_result("tls.versions", probe::Verdict::warn, "TLS 1.0"));
    report.skipped.push_back({"mta-sts", "needs --domain"});
    return probe::to_json(report);
}
}  // namespace

TEST_CASE("probe report.html is self-contained and shows server text as text", "[probe]") {
    const std::string html = reports::render_probe_html(hostile_report());
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("&lt;script&gt;") != std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find("open-relay.percent-hack") != std::string::npos);
    CHECK(html.find("needs --domain") != std::string::npos);
    // A failed check's evidence is open, a passing one folded.
    CHECK(html.find("<details id=\"check-open-relay.percent-hack\" open>") != std::string::npos);
    CHECK(html.find("<details id=\"check-banner\">") != std::string::npos);
}

TEST_CASE("probe junit.xml parses strictly: one testcase per check, fail and error apart",
          "[probe]") {
    const std::string xml = reports::render_probe_junit(hostile_report());
    const auto root = testing::parse_xml(xml);
    CHECK(root.name == "testsuites");
    const auto& suite = root.child("testsuite");
    CHECK(suite.attribute("tests") == "4");
    CHECK(suite.attribute("failures") == "1");
    CHECK(suite.attribute("errors") == "1");
    const auto cases = suite.children_named("testcase");
    REQUIRE(cases.size() == 4);
    CHECK(cases[1]->attribute("name") == "open-relay.percent-hack");
    CHECK(cases[1]->attribute("classname") == "relaylab.probe.open-relay");
    CHECK(cases[1]->child("failure").attribute("message").find("accepted") == 0);
    CHECK(cases[2]->child("error").attribute("message") == "timed out \"quoted\" & <b>");
    CHECK(cases[3]->children_named("failure").empty());  // warn passes
    CHECK(cases[3]->children_named("error").empty());
}
