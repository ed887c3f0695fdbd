// The parts of report.html, one function per <section>, and the small builders they share.
// Internal to relaylab_reports: render_html and render_html_sections (html_report.cpp) put them
// together. Each section renders whatever the report holds and says so when a part is missing,
// so the live dashboard's partial snapshots and a run that broke early render too.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace relaylab::reports::html {

// Caps on what a hostile or enormous report can make the page list.
inline constexpr std::size_t max_table_rows = 1000;
inline constexpr std::size_t max_error_chars = 2000;

std::string header_section(const nlohmann::json& report);        // html_summary.cpp
std::string summary_section(const nlohmann::json& report);       // html_summary.cpp
std::string expectations_section(const nlohmann::json& report);  // html_summary.cpp
std::string throughput_section(const nlohmann::json& report);    // html_traffic_sections.cpp
std::string latency_section(const nlohmann::json& report);       // html_traffic_sections.cpp
std::string domains_section(const nlohmann::json& report);       // html_delivery_sections.cpp
std::string replies_section(const nlohmann::json& report);       // html_delivery_sections.cpp
std::string auth_section(const nlohmann::json& report);          // html_delivery_sections.cpp
std::string tls_section(const nlohmann::json& report);           // html_delivery_sections.cpp
std::string world_section(const nlohmann::json& report);         // html_world_section.cpp
// Empty when the report has no `deliverability` (html_deliverability_section.cpp).
std::string deliverability_section(const nlohmann::json& report);
// Empty when the report is not a merge of shards (html_shards_section.cpp).
std::string shards_section(const nlohmann::json& report);

// The page around the content: doctype, head with the stylesheet and a Content-Security-Policy
// that forbids every fetch, the <body> opening. `title` is escaped.
std::string page_start(std::string_view title);

// Escaped text.
std::string esc(std::string_view text);
// <section id=.. class="card"><h2>title</h2><p class="lede">lede</p> (lede may be empty);
// close with "</section>". id and title are trusted literals; the lede is escaped.
void open_section(std::string& out, std::string_view id, std::string_view title,
                  std::string_view lede);
// <p class="empty">text</p>, escaped.
std::string empty_note(std::string_view text);
// A cell of a numeric column: <td class="num">text</td>, escaped.
std::string num_cell(const std::string& text);
// An object of counts (reply codes, verdicts, TLS versions) as a bar list chart, largest
// first, each label's tone chosen by `tone_of`.
using ToneOf = std::string (*)(std::string_view label);
std::string count_chart(std::string_view label, const nlohmann::json* counts, ToneOf tone_of,
                        int width);

// Tones of the things reports count.
std::string verdict_tone(std::string_view verdict);  // pass: good, fail: bad, ...
std::string reply_tone(std::string_view code);       // 2xx good, 4xx warn, 5xx bad
std::string tls_version_tone(std::string_view version);
std::string neutral_tone(std::string_view label);

}  // namespace relaylab::reports::html
