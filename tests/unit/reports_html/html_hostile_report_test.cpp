// Every text a report carries reaches the page as text: scenario names, descriptions, domains,
// reply codes, verdict names, failure reasons, host names, expectation texts, map keys.
#include <catch2/catch.hpp>

#include "reports/report_writers.hpp"
#include "tests/unit/reports_html/html_test_support.hpp"

namespace relaylab::reports {
namespace {

constexpr std::string_view markup = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&";

// The document with `markup` appended to every string value, at every depth. Keys stay: the
// renderer looks them up (poison_keys below does the keys that are data).
nlohmann::json poisoned(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>() + std::string(markup);
    if (value.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const nlohmann::json& item : value)
            out.push_back(poisoned(item));
        return out;
    }
    if (value.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [key, item] : value.items())
            out[key] = poisoned(item);
        return out;
    }
    return value;
}

// Map keys that are data: the counts in replies, auth, tls and failures.
void poison_keys(nlohmann::json& counts) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : counts.items())
        out[key + std::string(markup)] = value;
    counts = out;
}

void expect_escaped(const std::string& html) {
    CHECK(test::loads_nothing(html));
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
                    "&quot;&#39;&amp;") != std::string::npos);
}

TEST_CASE("a scenario named <script> is shown as text", "[reports_html]") {
    nlohmann::json report = test::example_report();
    report["scenario"]["name"] = "<script>alert(1)</script>";
    const std::string html = render_html(report);
    CHECK(html.find("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>") != std::string::npos);
    CHECK(html.find("<title>relaylab report: &lt;script&gt;alert(1)&lt;/script&gt;</title>") !=
          std::string::npos);
    CHECK(test::lower(html).find("<script") == std::string::npos);
}

TEST_CASE("every string value and every data key of a report is escaped", "[reports_html]") {
    nlohmann::json report = poisoned(test::example_report());
    for (auto* counts :
         {&report["replies"]["submission"], &report["replies"]["receivers"], &report["auth"]["spf"],
          &report["auth"]["dkim"], &report["auth"]["dmarc"], &report["auth"]["arc"],
          &report["tls"]["versions"], &report["tls"]["ciphers"], &report["tls"]["submission"],
          &report["domains"][0]["replies"]}) {
        poison_keys(*counts);
    }
    report["failures"]["submission"] = {{std::string("timeout") + std::string(markup), 3}};
    report["error"] = std::string("broke") + std::string(markup);
    const std::string html = render_html(report);
    expect_escaped(html);
    // The hover titles of charts and the aria-labels hold the same texts, escaped.
    CHECK(test::count(html, "alert(1)&lt;/script&gt;") > 30);
}

TEST_CASE("bytes that are not UTF-8 and control characters do not break the page",
          "[reports_html]") {
    nlohmann::json report = test::example_report();
    // nlohmann would refuse to dump this; the renderer must not.
    report["scenario"]["name"] = std::string("bad\xC3\x28 \xFF\x01\x1B[31m name");
    std::string html;
    REQUIRE_NOTHROW(html = render_html(report));
    CHECK(html.find("<h1>bad\xEF\xBF\xBD( \xEF\xBF\xBD[31m name</h1>") != std::string::npos);
}

}  // namespace
}  // namespace relaylab::reports
