// report.html's Deliverability section: absent (and not in the navigation) for old reports;
// with tests/unit/reports_schema/deliverability_section.json it draws the placement chart and
// fills the spam, unsubscribe, engagement and quota tables; nulls read "not measured"; hostile
// provider and rule names are escaped and the page still loads nothing.
#include <catch2/catch.hpp>

#include <fstream>

#include "reports/report_writers.hpp"
#include "tests/unit/reports_html/html_test_support.hpp"

using namespace relaylab::reports;
using namespace relaylab::reports::test;

namespace {

nlohmann::json section_fixture() {
    std::ifstream in(RELAYLAB_DELIVERABILITY_SECTION);
    REQUIRE(in);
    return nlohmann::json::parse(in);
}

nlohmann::json report_with_section() {
    auto report = example_report();
    report["deliverability"] = section_fixture();
    return report;
}

std::string section_of(const std::string& page) {
    auto start = page.find("<section id=\"deliverability\"");
    REQUIRE(start != std::string::npos);
    auto end = page.find("</section>", start);
    REQUIRE(end != std::string::npos);
    return page.substr(start, end - start);
}

}  // namespace

TEST_CASE("no deliverability section, no link: old reports render as before",
          "[reports][html][deliverability]") {
    auto page = render_html(example_report());
    CHECK(page.find("id=\"deliverability\"") == std::string::npos);
    CHECK(page.find("href=\"#deliverability\"") == std::string::npos);
}

TEST_CASE("the section: placement chart, spam, unsubscribe, measured vs true",
          "[reports][html][deliverability]") {
    auto page = render_html(report_with_section());
    CHECK(count(page, "href=\"#deliverability\"") == 1);
    auto section = section_of(page);
    CHECK(chart_count(section) == 1);
    CHECK_THAT(section, Catch::Contains("Recipient-messages per mailbox provider by placement"));
    for (const char* provider : {">gmail<", ">outlook<", ">(none)<"})
        CHECK_THAT(section, Catch::Contains(provider));
    // gmail: 812 inbox of 955 filed.
    CHECK_THAT(section, Catch::Contains(">85%<"));
    CHECK_THAT(section, Catch::Contains("<code>HTML_MESSAGE</code>"));
    CHECK_THAT(section, Catch::Contains("2.84"));
    CHECK_THAT(section, Catch::Contains("Sent after the unsubscribe"));
    CHECK_THAT(section, Catch::Contains("Measured (relay tracking)"));
    CHECK_THAT(section, Catch::Contains("15.9%"));  // open_rate 0.1589
    CHECK_THAT(section, Catch::Contains("18.2%"));  // true_open_rate 0.1818
    CHECK_THAT(section, Catch::Contains("Deferred by quota"));
    CHECK_THAT(section, Catch::Contains("Spam complaints"));
    CHECK_THAT(section, Catch::Contains(">0.20%<"));  // rate 0.001976, two decimals
    CHECK(section.find("not measured") == std::string::npos);
    CHECK(loads_nothing(page));
    CHECK(shows_no_raw_non_numbers(page));
}

TEST_CASE("nulls read 'not measured'; nothing scored says so", "[reports][html][deliverability]") {
    auto report = report_with_section();
    auto& d = report["deliverability"];
    for (const char* key : {"opens", "clicks", "open_rate", "click_rate"})
        d["engagement"][key] = nullptr;
    d["unsubscribe"]["sent_after_unsubscribe"] = nullptr;
    d["spam"] = {{"scored", 0},
                 {"failed", 0},
                 {"mean_score", nullptr},
                 {"top_rules", nlohmann::json::array()}};
    d["placement"] = nlohmann::json::object();
    d["complaints"]["reported"] = nullptr;
    d["complaints"]["rate"] = nullptr;
    auto section = section_of(render_html(report));
    CHECK(count(section, "not measured") == 7);
    CHECK_THAT(section, Catch::Contains("No message was scored"));
    CHECK_THAT(section, Catch::Contains("No receiver judged a message"));
    CHECK(chart_count(section) == 1);  // an empty frame, same size
}

TEST_CASE("a report without complaints draws no complaint table",
          "[reports][html][deliverability]") {
    auto report = report_with_section();
    report["deliverability"].erase("complaints");
    auto section = section_of(render_html(report));
    CHECK(section.find("Spam complaints") == std::string::npos);
    CHECK_THAT(section, Catch::Contains("Deferred by quota"));
}

TEST_CASE("hostile names are escaped; wrong types do not break the page",
          "[reports][html][deliverability]") {
    auto report = report_with_section();
    auto& d = report["deliverability"];
    d["placement"]["<script>alert(1)</script>"] = {
        {"inbox", 1}, {"spam", 0}, {"rejected", 0}, {"deferred", 0}};
    d["placement"]["broken"] = "not an object";
    d["spam"]["top_rules"].push_back({{"name", "<img src=x>"}, {"count", 1}});
    d["engagement"]["open_rate"] = "high";
    auto page = render_html(report);
    CHECK(page.find("<script>alert") == std::string::npos);
    CHECK(page.find("&lt;img src=x&gt;") != std::string::npos);
    CHECK(loads_nothing(page));
    SECTION("a section that is not an object is left out") {
        report["deliverability"] = 42;
        auto other = render_html(report);
        CHECK(other.find("id=\"deliverability\"") == std::string::npos);
        CHECK(other.find("href=\"#deliverability\"") == std::string::npos);
    }
}
