// The renderings of one report.json document: the self-contained HTML page (inline CSS and
// SVG, no script needed, no network), the dashboard's live fragment, and JUnit XML. They read
// the document per reports/report.schema.json and tolerate missing optional parts (a run that
// broke early still gets a readable page). Sans-I/O: strings in, strings out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace relaylab::reports {

inline constexpr std::string_view report_schema_id = "relaylab.report/1";

// The whole page: summary and verdict, throughput over time, latency percentiles and
// histogram, outcomes per destination domain, reply codes, authentication results, TLS used,
// expectations. Every text from the report is HTML-escaped.
std::string render_html(const nlohmann::json& report);
// The page's <main> content alone (no <html>, no <style>): what the live dashboard swaps in
// every second, so the live page and report.html are one renderer.
std::string render_html_sections(const nlohmann::json& report);
// The page's stylesheet (the dashboard page inlines it too).
std::string_view html_stylesheet();

// <testsuites><testsuite name=scenario tests=N failures=F time=duration_s><testcase
// name=expectation classname="relaylab.<scenario>"> with <failure message="expected X, got Y">
// for each failed one. A run that broke (report "error") adds a testcase with <error>.
std::string render_junit(const nlohmann::json& report);

// `relaylab report compare`: several runs side by side (typically one scenario through the
// builtin relay, Postfix and a provider). `labels` name the columns (default: scenario name
// and relay kind/address of each). The JSON: {"schema":"relaylab.compare/1","runs":[{label,
// file, scenario, relay, passed}], "metrics":[{"path":"totals.delivered","values":[...]}]}.
nlohmann::json compare_reports(const std::vector<nlohmann::json>& reports,
                               const std::vector<std::string>& labels);
std::string render_compare_html(const nlohmann::json& comparison);

// Writes `content` to dir/name via a temporary file and rename, so a reader never sees half a
// report. Throws std::runtime_error naming the file.
void write_report_file(const std::filesystem::path& dir, const std::string& name,
                       const std::string& content);

}  // namespace relaylab::reports
