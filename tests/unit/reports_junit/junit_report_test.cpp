// render_junit: junit.xml as a CI server reads it. Every output is parsed back with a strict
// XML reader (mini_xml.hpp), so a missing escape fails here, not in someone's Jenkins.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/report_writers.hpp"
#include "tests/unit/reports_junit/mini_xml.hpp"

using relaylab::reports::render_junit;
using relaylab::testing::parse_xml;
using relaylab::testing::XmlElement;

namespace {

nlohmann::json example_report() {
    std::ifstream in(RELAYLAB_REPORT_EXAMPLE);
    REQUIRE(in);
    return nlohmann::json::parse(in);
}

const XmlElement& suite_of(const XmlElement& root) {
    REQUIRE(root.name == "testsuites");
    return root.child("testsuite");
}

std::string property(const XmlElement& suite, std::string_view name) {
    for (const XmlElement* p : suite.child("properties").children_named("property")) {
        if (p->attribute("name") == name) return p->attribute("value");
    }
    FAIL("no property " << name);
    return {};
}

nlohmann::json expectation(std::string name, std::string expected, std::string actual,
                           bool passed) {
    return {{"name", std::move(name)},
            {"expected", std::move(expected)},
            {"actual", std::move(actual)},
            {"passed", passed}};
}

}  // namespace

TEST_CASE("the example report: one testcase per expectation, the failure says expected and got",
          "[reports][junit]") {
    const std::string xml = render_junit(example_report());
    INFO(xml);
    const XmlElement root = parse_xml(xml);
    const XmlElement& suite = suite_of(root);
    CHECK(root.attribute("tests") == "3");
    CHECK(root.attribute("failures") == "1");
    CHECK(root.attribute("errors") == "0");
    CHECK(suite.attribute("name") == "quickstart");
    CHECK(suite.attribute("tests") == "3");
    CHECK(suite.attribute("failures") == "1");
    CHECK(suite.attribute("errors") == "0");
    CHECK(suite.attribute("time") == "14.820");

    CHECK(property(suite, "scenario") == "quickstart");
    CHECK(property(suite, "relay") == "builtin 127.0.0.1:40123");
    CHECK(property(suite, "seed") == "1");

    const auto cases = suite.children_named("testcase");
    REQUIRE(cases.size() == 3);
    CHECK(cases[0]->attribute("name") == "nothing lost");
    CHECK(cases[1]->attribute("name") == "latency_ms.end_to_end.p99 < 2000");
    CHECK(cases[2]->attribute("name") == "dmarc pass rate");
    for (const XmlElement* c : cases)
        CHECK(c->attribute("classname") == "relaylab.quickstart");
    CHECK(cases[0]->children.empty());
    CHECK(cases[2]->children.empty());
    const XmlElement& failure = cases[1]->child("failure");
    CHECK(failure.attribute("message") == "expected latency_ms.end_to_end.p99 < 2000, got 2250.7");
    CHECK(failure.text.find("expected: latency_ms.end_to_end.p99 < 2000") != std::string::npos);
    CHECK(failure.text.find("actual:   2250.7") != std::string::npos);
    CHECK(cases[1]->children_named("error").empty());
}

TEST_CASE("markup and quotes in every text read back as the same characters", "[reports][junit]") {
    const std::string nasty = "a<b>&c\"d'e ]]> &amp; <!-- x -->";
    nlohmann::json report = {
        {"scenario", {{"name", nasty}, {"seed", 7}}},
        {"relay", {{"kind", "external"}, {"address", "<smtp>&\"'"}}},
        {"duration_s", 1.5},
        {"expectations", nlohmann::json::array({expectation(nasty, "x < 1 & y", nasty, false)})},
    };
    const std::string xml = render_junit(report);
    INFO(xml);
    const XmlElement root = parse_xml(xml);
    const XmlElement& suite = suite_of(root);
    CHECK(suite.attribute("name") == nasty);
    CHECK(property(suite, "scenario") == nasty);
    CHECK(property(suite, "relay") == "external <smtp>&\"'");
    const XmlElement& test = suite.child("testcase");
    CHECK(test.attribute("name") == nasty);
    CHECK(test.attribute("classname") == "relaylab." + nasty);
    const XmlElement& failure = test.child("failure");
    CHECK(failure.attribute("message") == "expected x < 1 & y, got " + nasty);
    CHECK(failure.text == "expected: x < 1 & y\nactual:   " + nasty + "\n");
}

TEST_CASE("control characters XML cannot carry are removed; tab, LF and CR survive",
          "[reports][junit]") {
    std::string name = "one";
    for (char c = 1; c < 0x20; ++c)
        name += c;
    name += '\x7f';
    name += std::string("two\0three", 9);
    nlohmann::json report = {
        {"scenario", {{"name", "controls"}}},
        {"expectations", nlohmann::json::array({expectation(name, "e", name, false)})},
    };
    const std::string xml = render_junit(report);
    for (char c : xml) {
        const auto byte = static_cast<unsigned char>(c);
        INFO("byte " << int(byte));
        CHECK((byte >= 0x20 || c == '\n' || c == '\t'));
        CHECK(byte != 0x7f);
    }
    const XmlElement root = parse_xml(xml);
    const XmlElement& test = suite_of(root).child("testcase");
    // An attribute keeps tab, LF and CR as character references, so they read back as such.
    CHECK(test.attribute("name") == "one\t\n\rtwothree");
    CHECK(test.child("failure").text == "expected: e\nactual:   one\t\n\rtwothree\n");
}

TEST_CASE("text that is not UTF-8 or not an XML character still gives well-formed XML",
          "[reports][junit]") {
    // nlohmann keeps bytes as given in a document built in memory; only parsing checks UTF-8.
    const std::string bad =
        std::string("caf\xC3\xA9 \xFF\xFE x \xED\xA0\x80 y \xEF\xBF\xBE z ") + "\xF0\x9F\x93\xA7";
    nlohmann::json report = {
        {"scenario", {{"name", bad}}},
        {"error", bad},
        {"expectations", nlohmann::json::array({expectation(bad, bad, bad, false)})},
    };
    const std::string xml = render_junit(report);
    const XmlElement root = parse_xml(xml);
    const XmlElement& suite = suite_of(root);
    const std::string replaced =
        "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD x \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD y  z "
        "\xF0\x9F\x93\xA7";
    CHECK(suite.attribute("name") == replaced);
    CHECK(suite.children_named("testcase").front()->attribute("name") == replaced);
}

TEST_CASE("failures are counted; a passed expectation has no failure element", "[reports][junit]") {
    nlohmann::json expectations = nlohmann::json::array();
    const bool verdicts[] = {true, false, false, true, false};
    for (int i = 0; i < 5; ++i) {
        expectations.push_back(expectation("e" + std::to_string(i), "totals.lost == 0",
                                           std::to_string(i), verdicts[i]));
    }
    const nlohmann::json report = {{"scenario", {{"name", "s"}}}, {"expectations", expectations}};
    const XmlElement root = parse_xml(render_junit(report));
    const XmlElement& suite = suite_of(root);
    CHECK(suite.attribute("tests") == "5");
    CHECK(suite.attribute("failures") == "3");
    CHECK(suite.attribute("errors") == "0");
    const auto cases = suite.children_named("testcase");
    REQUIRE(cases.size() == 5);
    for (int i = 0; i < 5; ++i) {
        INFO("testcase " << i);
        CHECK(cases[i]->children_named("failure").size() == (verdicts[i] ? 0u : 1u));
    }
    CHECK(cases[4]->child("failure").attribute("message") == "expected totals.lost == 0, got 4");
}

TEST_CASE("a run that broke adds a testcase with <error>", "[reports][junit]") {
    nlohmann::json report = example_report();
    report["error"] = "the fake MX could not listen on 127.0.0.2:25: Address already in use";
    const XmlElement root = parse_xml(render_junit(report));
    const XmlElement& suite = suite_of(root);
    CHECK(suite.attribute("tests") == "4");
    CHECK(suite.attribute("failures") == "1");
    CHECK(suite.attribute("errors") == "1");
    CHECK(root.attribute("errors") == "1");
    const auto cases = suite.children_named("testcase");
    REQUIRE(cases.size() == 4);
    CHECK(cases[3]->attribute("name") == "run");
    const XmlElement& error = cases[3]->child("error");
    CHECK(error.attribute("message") == report["error"].get<std::string>());
    CHECK(cases[3]->children_named("failure").empty());

    SECTION("an error object gives its message") {
        report["error"] = {{"message", "port in use"}, {"kind", "listen"}};
        const XmlElement again = parse_xml(render_junit(report));
        CHECK(suite_of(again).children_named("testcase")[3]->child("error").attribute("message") ==
              "port in use");
    }
}

TEST_CASE("partial and odd reports still give well-formed JUnit", "[reports][junit]") {
    SECTION("an empty object: no testcase, a default suite name") {
        const XmlElement root = parse_xml(render_junit(nlohmann::json::object()));
        CHECK(suite_of(root).attribute("name") == "relaylab");
        CHECK(suite_of(root).attribute("tests") == "0");
        CHECK(suite_of(root).attribute("time") == "0");
        CHECK(suite_of(root).children_named("testcase").empty());
    }
    SECTION("not even an object") {
        const XmlElement root = parse_xml(render_junit(nlohmann::json::array({1, 2})));
        CHECK(suite_of(root).attribute("tests") == "0");
    }
    SECTION("an expectation without a verdict fails, it does not pass silently") {
        nlohmann::json report = {
            {"expectations",
             nlohmann::json::array({{{"name", "n"}, {"expected", "a == 1"}, {"actual", "1"}},
                                    {{"expected", "b == 2"}, {"passed", "yes"}},
                                    42})},
            {"duration_s", "soon"},
        };
        const XmlElement root = parse_xml(render_junit(report));
        const XmlElement& suite = suite_of(root);
        CHECK(suite.attribute("failures") == "3");
        CHECK(suite.attribute("time") == "0");
        const auto cases = suite.children_named("testcase");
        REQUIRE(cases.size() == 3);
        CHECK(cases[0]->child("failure").attribute("message").find("no verdict") == 0);
        CHECK(cases[1]->attribute("name") == "b == 2");  // the text when there is no name
        CHECK(cases[2]->attribute("name") == "expectation 3");
    }
    SECTION("numbers where strings were expected are written as JSON writes them") {
        nlohmann::json report = {
            {"duration_s", 0.0004},
            {"expectations",
             nlohmann::json::array(
                 {{{"name", 5}, {"expected", "x"}, {"actual", 2.5}, {"passed", false}}})}};
        const XmlElement root = parse_xml(render_junit(report));
        const XmlElement& test = suite_of(root).child("testcase");
        CHECK(test.attribute("name") == "5");
        CHECK(test.child("failure").attribute("message") == "expected x, got 2.5");
        CHECK(suite_of(root).attribute("time") == "0.000");
    }
}

TEST_CASE("a very long actual value is cut in the message attribute, whole in the body",
          "[reports][junit]") {
    std::string actual(5000, 'x');
    // "expected e, got " is 16 bytes: a two-byte character at message bytes 1023 and 1024
    // straddles the 1024-byte cut, which must go back before it (the reader checks UTF-8).
    actual.replace(1007, 2, "\xC3\xA9");
    nlohmann::json report = {
        {"expectations", nlohmann::json::array({expectation("long", "e", actual, false)})}};
    const XmlElement root = parse_xml(render_junit(report));
    const XmlElement& failure = suite_of(root).child("testcase").child("failure");
    CHECK(failure.attribute("message") == "expected e, got " + actual.substr(0, 1007) + "...");
    CHECK(failure.text.find(actual) != std::string::npos);
}

TEST_CASE("the output is deterministic", "[reports][junit]") {
    const nlohmann::json report = example_report();
    CHECK(render_junit(report) == render_junit(report));
    CHECK(render_junit(report).starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
}
