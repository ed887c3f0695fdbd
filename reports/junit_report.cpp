// junit.xml: what QA pipelines read (Jenkins, GitLab, GitHub test reporters). The format is
// the de facto one of Ant's JUnit task: <testsuites><testsuite><properties/><testcase/>...,
// with <failure> for an assertion that did not hold and <error> for a test that could not run.
// Each expectation of the scenario is a testcase; a run that broke (report "error") is one
// more testcase with <error>, so a pipeline shows why nothing could be judged.
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report_writers.hpp"
#include "reports/xml_escape.hpp"

namespace relaylab::reports {
namespace {

// A failure's message attribute is what a CI page shows in one line; the body keeps it whole.
constexpr std::size_t max_message_attribute_bytes = 1024;

const nlohmann::json* member(const nlohmann::json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

// A string as is, a number or boolean as JSON writes it; anything else (absent, null, objects)
// reads as "", so a hand-edited or partial report still renders.
std::string text_of(const nlohmann::json* value) {
    if (value == nullptr) return {};
    if (value->is_string()) return value->get<std::string>();
    if (value->is_number() || value->is_boolean()) return value->dump();
    return {};
}

// An in-memory document may hold strings that are not UTF-8; dump() would throw on them.
std::string dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// JUnit's time attribute: seconds with three decimals, "0" when unknown. to_chars, not
// printf: the output must not depend on the process locale (a comma would break parsers).
std::string seconds_text(const nlohmann::json* value) {
    if (value == nullptr || !value->is_number()) return "0";
    const double seconds = value->get<double>();
    if (!std::isfinite(seconds) || seconds < 0) return "0";
    char buffer[64];
    auto [end, ec] =
        std::to_chars(buffer, buffer + sizeof buffer, seconds, std::chars_format::fixed, 3);
    if (ec != std::errc()) return "0";
    return std::string(buffer, end);
}

// Cuts at a UTF-8 character boundary so the cut cannot leave half a character behind.
std::string shortened(std::string text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    text.resize(cut);
    text += "...";
    return text;
}

struct Case {
    std::string name;
    enum class Verdict { passed, failed, error } verdict = Verdict::passed;
    std::string message;  // failure or error: one line
    std::string body;     // failure or error: the details
};

std::string scenario_name(const nlohmann::json& report) {
    const nlohmann::json* scenario = member(report, "scenario");
    if (scenario != nullptr && scenario->is_string()) return scenario->get<std::string>();
    std::string name = scenario != nullptr ? text_of(member(*scenario, "name")) : "";
    return name.empty() ? "relaylab" : name;
}

std::string relay_text(const nlohmann::json& report) {
    const nlohmann::json* relay = member(report, "relay");
    if (relay == nullptr) return {};
    std::string kind = text_of(member(*relay, "kind"));
    std::string address = text_of(member(*relay, "address"));
    if (kind.empty() || address.empty()) return kind + address;
    return kind + " " + address;
}

Case expectation_case(const nlohmann::json& entry, std::size_t index) {
    Case result;
    const std::string fallback_name = "expectation " + std::to_string(index + 1);
    if (!entry.is_object()) {
        result.name = fallback_name;
        result.verdict = Case::Verdict::failed;
        result.message = "the report's expectation entry is not an object";
        result.body = dump(entry);
        return result;
    }
    const std::string expected = text_of(member(entry, "expected"));
    const std::string actual = text_of(member(entry, "actual"));
    result.name = text_of(member(entry, "name"));
    if (result.name.empty()) result.name = expected.empty() ? fallback_name : expected;
    const nlohmann::json* passed = member(entry, "passed");
    // No verdict is not a pass: a pipeline must not go green on a report it cannot read.
    if (passed != nullptr && passed->is_boolean() && passed->get<bool>()) return result;
    result.verdict = Case::Verdict::failed;
    if (passed == nullptr || !passed->is_boolean()) {
        result.message = "no verdict: the report's \"passed\" is missing or not a boolean";
        result.body = "expected: " + expected + "\nactual:   " + actual + "\n";
        return result;
    }
    result.message = "expected " + expected + ", got " + actual;
    result.body = "expected: " + expected + "\nactual:   " + actual + "\n";
    return result;
}

// "error": null for a run that completed; a string (or {"message": ...}) when it broke.
std::optional<Case> run_error_case(const nlohmann::json& report) {
    const nlohmann::json* error = member(report, "error");
    if (error == nullptr || error->is_null()) return std::nullopt;
    Case result;
    result.name = "run";
    result.verdict = Case::Verdict::error;
    std::string text =
        error->is_string() ? error->get<std::string>() : text_of(member(*error, "message"));
    if (text.empty()) text = dump(*error);
    result.message = text;
    result.body = text + "\n";
    return result;
}

// A merged report (`relaylab report merge`): each missing or broken shard is one more testcase
// with <error>, so a pipeline names the shard rather than a smaller total.
void shard_cases(std::vector<Case>& cases, const nlohmann::json& report) {
    const nlohmann::json* shards = member(report, "shards");
    if (shards == nullptr || !shards->is_object()) return;
    const std::string count = text_of(member(*shards, "count"));
    if (const nlohmann::json* missing = member(*shards, "missing"); missing && missing->is_array())
        for (const nlohmann::json& index : *missing) {
            Case result{"shard " + text_of(&index), Case::Verdict::error, {}, {}};
            result.message = "shard " + text_of(&index) + " of " + count +
                             " is missing: its report was not given";
            result.body = result.message + "\n";
            cases.push_back(std::move(result));
        }
    if (const nlohmann::json* failed = member(*shards, "failed"); failed && failed->is_array())
        for (const nlohmann::json& entry : *failed) {
            const std::string index = text_of(member(entry, "index"));
            Case result{"shard " + index, Case::Verdict::error, {}, {}};
            result.message =
                "shard " + index + " of " + count + " broke: " + text_of(member(entry, "error"));
            result.body = result.message + "\n";
            cases.push_back(std::move(result));
        }
}

void append_attribute(std::string& out, std::string_view name, std::string_view value) {
    out += ' ';
    out += name;
    out += "=\"";
    append_xml_escaped(out, value, XmlPlace::attribute);
    out += '"';
}

void append_property(std::string& out, std::string_view name, std::string_view value) {
    out += "      <property";
    append_attribute(out, "name", name);
    append_attribute(out, "value", value);
    out += "/>\n";
}

void append_case(std::string& out, const Case& test, const std::string& classname) {
    out += "    <testcase";
    append_attribute(out, "name", test.name);
    append_attribute(out, "classname", classname);
    append_attribute(out, "time", "0");
    if (test.verdict == Case::Verdict::passed) {
        out += "/>\n";
        return;
    }
    const bool failed = test.verdict == Case::Verdict::failed;
    out += ">\n      <";
    out += failed ? "failure" : "error";
    append_attribute(out, "message", shortened(test.message, max_message_attribute_bytes));
    append_attribute(out, "type", failed ? "expectation" : "run");
    out += '>';
    append_xml_escaped(out, test.body, XmlPlace::text);
    out += failed ? "</failure>\n" : "</error>\n";
    out += "    </testcase>\n";
}

}  // namespace

std::string render_junit(const nlohmann::json& report) {
    const std::string scenario = scenario_name(report);
    const std::string classname = "relaylab." + scenario;

    std::vector<Case> cases;
    if (const nlohmann::json* expectations = member(report, "expectations");
        expectations != nullptr && expectations->is_array()) {
        for (std::size_t i = 0; i < expectations->size(); ++i)
            cases.push_back(expectation_case((*expectations)[i], i));
    }
    shard_cases(cases, report);
    if (auto error = run_error_case(report)) cases.push_back(std::move(*error));

    std::size_t failures = 0;
    std::size_t errors = 0;
    for (const Case& test : cases) {
        if (test.verdict == Case::Verdict::failed) ++failures;
        if (test.verdict == Case::Verdict::error) ++errors;
    }
    const std::string tests = std::to_string(cases.size());
    const std::string time = seconds_text(member(report, "duration_s"));

    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites";
    append_attribute(out, "name", "relaylab");
    append_attribute(out, "tests", tests);
    append_attribute(out, "failures", std::to_string(failures));
    append_attribute(out, "errors", std::to_string(errors));
    append_attribute(out, "time", time);
    out += ">\n  <testsuite";
    append_attribute(out, "name", scenario);
    append_attribute(out, "tests", tests);
    append_attribute(out, "failures", std::to_string(failures));
    append_attribute(out, "errors", std::to_string(errors));
    append_attribute(out, "skipped", "0");
    append_attribute(out, "time", time);
    out += ">\n    <properties>\n";
    append_property(out, "scenario", scenario);
    append_property(out, "relay", relay_text(report));
    const nlohmann::json* scenario_object = member(report, "scenario");
    const nlohmann::json* seed =
        scenario_object != nullptr ? member(*scenario_object, "seed") : nullptr;
    append_property(out, "seed", text_of(seed));
    if (std::string run_id = text_of(member(report, "run_id")); !run_id.empty())
        append_property(out, "run_id", run_id);
    if (std::string started = text_of(member(report, "started_at")); !started.empty())
        append_property(out, "started_at", started);
    out += "    </properties>\n";
    for (const Case& test : cases)
        append_case(out, test, classname);
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

}  // namespace relaylab::reports
