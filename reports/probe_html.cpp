// render_probe_html: one card of verdict counts, one table row per check, and the evidence of
// each check folded in a <details> element (no script needed to open it).
#include <string>

#include <nlohmann/json.hpp>

#include "reports/html_sections.hpp"
#include "reports/json_view.hpp"
#include "reports/probe_report_writers.hpp"

namespace relaylab::reports {
namespace {

// pass good, fail bad, warn and error stand out without claiming either.
std::string badge_class(std::string_view verdict) {
    if (verdict == "pass") return "badge badge-good";
    if (verdict == "fail") return "badge badge-bad";
    if (verdict == "warn") return "badge badge-warn";
    return "badge badge-neutral";
}

std::string probe_verdict_tone(std::string_view verdict) {
    if (verdict == "pass") return "good";
    if (verdict == "fail") return "bad";
    if (verdict == "warn") return "warn";
    return "neutral";
}

void summary_card(std::string& out, const nlohmann::json& report) {
    html::open_section(out, "summary", "Summary", "");
    const bool passed = report.value("passed", false);
    out += "<p><span class=\"";
    out += passed ? "badge badge-good" : "badge badge-bad";
    out += "\">";
    out += passed ? "no check failed" : "checks failed or could not decide";
    out += "</span></p>";
    const auto counts = report.find("verdicts");
    if (counts != report.end() && counts->is_object()) {
        out += html::count_chart("Verdicts", &*counts, probe_verdict_tone, 640);
    }
    out += "</section>";
}

void checks_table(std::string& out, const nlohmann::json& checks) {
    html::open_section(out, "checks", "Checks", "What each check concluded; evidence below.");
    if (!checks.is_array() || checks.empty()) {
        out += html::empty_note("No check ran.");
        out += "</section>";
        return;
    }
    out +=
        "<table><thead><tr><th>Verdict</th><th>Check</th><th>Explanation</th></tr></thead>"
        "<tbody>";
    for (const auto& check : checks) {
        const std::string verdict = json_view::text_at(check, {"verdict"});
        out += "<tr><td><span class=\"" + badge_class(verdict) + "\">" + html::esc(verdict) +
               "</span></td><td><a href=\"#check-" +
               html::esc(json_view::text_at(check, {"name"})) + "\">" +
               html::esc(json_view::text_at(check, {"name"})) + "</a></td><td>" +
               html::esc(json_view::text_at(check, {"explanation"})) + "</td></tr>";
    }
    out += "</tbody></table></section>";
}

void evidence_section(std::string& out, const nlohmann::json& checks) {
    if (!checks.is_array() || checks.empty()) return;
    html::open_section(out, "evidence", "Evidence",
                       "The exact dialogue and records behind each verdict (C: sent by the "
                       "probe, S: the server's reply, <CR>/<LF> shown where they were bare).");
    for (const auto& check : checks) {
        const std::string name = json_view::text_at(check, {"name"});
        const std::string verdict = json_view::text_at(check, {"verdict"});
        out += "<details id=\"check-" + html::esc(name) + "\"";
        if (verdict == "fail" || verdict == "error") out += " open";
        out += "><summary><span class=\"" + badge_class(verdict) + "\">" + html::esc(verdict) +
               "</span> " + html::esc(name) + "</summary>";
        std::string lines;
        if (const auto evidence = check.find("evidence");
            evidence != check.end() && evidence->is_array()) {
            for (const auto& line : *evidence) {
                if (line.is_string()) lines += line.get<std::string>() + "\n";
            }
        }
        if (!lines.empty()) out += "<pre class=\"evidence\">" + html::esc(lines) + "</pre>";
        if (const auto details = check.find("details");
            details != check.end() && details->is_object() && !details->empty()) {
            out += "<pre class=\"evidence\">" + html::esc(details->dump(2)) + "</pre>";
        }
        out += "</details>";
    }
    out += "</section>";
}

void skipped_section(std::string& out, const nlohmann::json& skipped) {
    if (!skipped.is_array() || skipped.empty()) return;
    html::open_section(out, "skipped", "Not run", "Checks left out, and why.");
    out += "<table><thead><tr><th>Check</th><th>Reason</th></tr></thead><tbody>";
    for (const auto& skip : skipped) {
        out += "<tr><td>" + html::esc(json_view::text_at(skip, {"name"})) + "</td><td>" +
               html::esc(json_view::text_at(skip, {"reason"})) + "</td></tr>";
    }
    out += "</tbody></table></section>";
}

}  // namespace

std::string render_probe_html(const nlohmann::json& report) {
    const std::string target = json_view::text_at(report, {"target"});
    std::string out = html::page_start("relaylab probe: " + target);
    out += "<main class=\"report\"><header class=\"card\" id=\"top\"><h1>relaylab probe: " +
           html::esc(target) + "</h1><p class=\"lede\">";
    std::string facts = "address " + json_view::text_at(report, {"address"});
    if (const std::string domain = json_view::text_at(report, {"domain"}); !domain.empty())
        facts += " \u00b7 domain " + domain;
    if (const std::string started = json_view::text_at(report, {"started_at"}); !started.empty())
        facts += " \u00b7 started " + started;
    if (report.is_object() && report.contains("duration_s") && report["duration_s"].is_number())
        facts +=
            " \u00b7 " + std::to_string(report["duration_s"].get<double>()).substr(0, 6) + " s";
    out += html::esc(facts) + "</p></header>";
    const nlohmann::json empty;
    const nlohmann::json& checks =
        report.is_object() && report.contains("checks") ? report["checks"] : empty;
    summary_card(out, report);
    checks_table(out, checks);
    evidence_section(out, checks);
    skipped_section(out,
                    report.is_object() && report.contains("skipped") ? report["skipped"] : empty);
    out += "</main><footer class=\"page-footer\">Generated by relaylab";
    if (const std::string version = json_view::text_at(report, {"relaylab_version"});
        !version.empty())
        out += ' ' + html::esc(version);
    out +=
        " \u00b7 relaylab.probe/1 \u00b7 a self-contained page: no script, nothing loaded from "
        "the network.</footer></body></html>\n";
    return out;
}

}  // namespace relaylab::reports
