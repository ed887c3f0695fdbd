// render_probe_junit: a CI server shows each probe check as a test. fail is a <failure>, error
// an <error> (the check could not decide: not the server's fault, not a pass either), warn
// passes with its explanation kept in <system-out>.
#include <string>

#include <nlohmann/json.hpp>

#include "reports/json_view.hpp"
#include "reports/probe_report_writers.hpp"
#include "reports/xml_escape.hpp"

namespace relaylab::reports {
namespace {

std::string attr(std::string_view text) {
    return xml_escape(text, XmlPlace::attribute);
}
std::string body(std::string_view text) {
    return xml_escape(text, XmlPlace::text);
}

}  // namespace

std::string render_probe_junit(const nlohmann::json& report) {
    const nlohmann::json empty = nlohmann::json::array();
    const nlohmann::json& checks =
        report.is_object() && report.contains("checks") && report["checks"].is_array()
            ? report["checks"]
            : empty;
    int failures = 0;
    int errors = 0;
    for (const auto& check : checks) {
        const std::string verdict = json_view::text_at(check, {"verdict"});
        failures += verdict == "fail";
        errors += verdict == "error";
    }
    double seconds = 0;
    if (report.is_object() && report.contains("duration_s") && report["duration_s"].is_number())
        seconds = report["duration_s"].get<double>();
    const std::string suite = "relaylab probe " + json_view::text_at(report, {"target"});
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"relaylab probe\" tests=\"" + std::to_string(checks.size()) +
           "\" failures=\"" + std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
           "\" time=\"" + std::to_string(seconds) + "\">\n";
    out += "  <testsuite name=\"" + attr(suite) + "\" tests=\"" + std::to_string(checks.size()) +
           "\" failures=\"" + std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
           "\" skipped=\"0\" time=\"" + std::to_string(seconds) + "\" timestamp=\"" +
           attr(json_view::text_at(report, {"started_at"})) + "\">\n";
    for (const auto& check : checks) {
        const std::string name = json_view::text_at(check, {"name"});
        const std::string group = name.substr(0, name.find('.'));
        const std::string verdict = json_view::text_at(check, {"verdict"});
        const std::string explanation = json_view::text_at(check, {"explanation"});
        std::string evidence;
        if (const auto lines = check.find("evidence"); lines != check.end() && lines->is_array()) {
            for (const auto& line : *lines) {
                if (line.is_string()) evidence += line.get<std::string>() + "\n";
            }
        }
        out += "    <testcase name=\"" + attr(name) + "\" classname=\"relaylab.probe." +
               attr(group) + "\" time=\"0\">\n";
        if (verdict == "fail") {
            out += "      <failure message=\"" + attr(explanation) + "\" type=\"fail\">" +
                   body(evidence) + "</failure>\n";
        } else if (verdict != "pass" && verdict != "warn") {
            out += "      <error message=\"" + attr(explanation) + "\" type=\"" +
                   attr(verdict.empty() ? "error" : verdict) + "\">" + body(evidence) +
                   "</error>\n";
        }
        out += "      <system-out>" + body(verdict + ": " + explanation + "\n" + evidence) +
               "</system-out>\n";
        out += "    </testcase>\n";
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

}  // namespace relaylab::reports
