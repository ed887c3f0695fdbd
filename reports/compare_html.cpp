// render_compare_html: the page of `relaylab report compare`, from the comparison JSON that
// compare_reports builds (report_writers.hpp): the runs, grouped bar charts of throughput and
// end-to-end latency per run, and every metric side by side with the best value marked where
// "better" is known. Tolerant like report.html: a missing or mistyped part renders as "—".
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "reports/html_sections.hpp"
#include "reports/human_format.hpp"
#include "reports/json_view.hpp"
#include "reports/report_writers.hpp"
#include "reports/svg_charts.hpp"

namespace relaylab::reports {
namespace {

using json_view::text_at;

// More columns than this do not fit any screen; the JSON keeps them all.
constexpr std::size_t max_compared_runs = 24;

struct Run {
    std::string label;
    std::string scenario;
    std::string relay;
    std::string file;
    std::optional<bool> passed;
};

struct Metric {
    std::string path;
    std::string label;
    std::string better;  // "lower", "higher" or ""
    std::vector<std::optional<double>> values;
};

// A "scenario" or "relay" member may be text or the report's own object.
std::string describe(const nlohmann::json& run, std::string_view key) {
    const nlohmann::json* value = json_view::find(run, {key});
    if (value == nullptr) return {};
    if (!value->is_object()) return json_view::text(value);
    std::string text = text_at(*value, {"name"});
    const std::string kind = text_at(*value, {"kind"});
    const std::string address = text_at(*value, {"address"});
    if (!kind.empty()) text += (text.empty() ? "" : " ") + kind;
    if (!address.empty()) text += (text.empty() ? "" : " \u00b7 ") + address;
    return text;
}

std::vector<Run> read_runs(const nlohmann::json& comparison) {
    std::vector<Run> runs;
    if (const nlohmann::json* list = json_view::array_at(comparison, {"runs"})) {
        for (const nlohmann::json& run : *list) {
            Run r{text_at(run, {"label"}), describe(run, "scenario"), describe(run, "relay"),
                  text_at(run, {"file"}), json_view::flag_at(run, {"passed"})};
            if (r.label.empty()) r.label = "run " + std::to_string(runs.size() + 1);
            runs.push_back(std::move(r));
        }
    }
    return runs;
}

std::vector<Metric> read_metrics(const nlohmann::json& comparison, std::size_t run_count) {
    std::vector<Metric> metrics;
    const nlohmann::json* list = json_view::array_at(comparison, {"metrics"});
    if (list == nullptr) return metrics;
    for (const nlohmann::json& row : *list) {
        if (metrics.size() >= html::max_table_rows) break;
        Metric metric{
            text_at(row, {"path"}), text_at(row, {"label"}), text_at(row, {"better"}), {}};
        if (metric.label.empty()) metric.label = metric.path;
        const nlohmann::json* values = json_view::array_at(row, {"values"});
        for (std::size_t i = 0; i < run_count; ++i) {
            metric.values.push_back(values != nullptr && i < values->size()
                                        ? json_view::number(&(*values)[i])
                                        : std::nullopt);
        }
        metrics.push_back(std::move(metric));
    }
    return metrics;
}

const Metric* metric_at(const std::vector<Metric>& metrics, std::string_view path) {
    for (const Metric& metric : metrics) {
        if (metric.path == path) return &metric;
    }
    return nullptr;
}

std::string per_second(double value) {
    return format_decimal(value) + "/s";
}

// The unit follows from the path, as the report schema names its fields.
std::string format_metric(const std::string& path, double value) {
    if (path.find('/') != std::string::npos) return format_percent(value);
    if (path.find("latency_ms") != std::string::npos) return format_ms(value);
    if (path.size() >= 6 && path.compare(path.size() - 6, 6, "_per_s") == 0)
        return per_second(value);
    if (path == "duration_s") return format_seconds(value);
    // (Not a cast to an integer type to test this: that is undefined beyond its range.)
    return std::floor(value) == value ? format_count(value) : format_decimal(value);
}

// The section a metric belongs to: its path without the last key ("latency_ms.end_to_end").
std::string metric_group(const std::string& path) {
    if (path.find('/') != std::string::npos) return "ratios";
    const std::size_t dot = path.rfind('.');
    return dot == std::string::npos ? std::string("run") : path.substr(0, dot);
}

// Which values are best: none when "better" is unknown, fewer than two runs have a value, or
// all values are equal (then nothing is better).
std::vector<bool> best_of(const Metric& metric) {
    std::vector<bool> best(metric.values.size(), false);
    if (metric.better != "lower" && metric.better != "higher") return best;
    std::optional<double> target;
    std::size_t present = 0;
    bool all_equal = true;
    for (const auto& value : metric.values) {
        if (!value) continue;
        if (target && *value != *target) all_equal = false;
        ++present;
        if (!target || (metric.better == "lower" ? *value < *target : *value > *target)) {
            target = value;
        }
    }
    if (present < 2 || all_equal) return best;
    for (std::size_t i = 0; i < metric.values.size(); ++i) {
        best[i] = metric.values[i] && *metric.values[i] == *target;
    }
    return best;
}

std::string grouped_chart(std::string_view label, const std::vector<Run>& runs,
                          const std::vector<Metric>& metrics,
                          const std::vector<std::pair<std::string_view, svg::Legend>>& parts,
                          svg::ValueFormatter format) {
    std::vector<svg::Legend> legend;
    for (const auto& part : parts)
        legend.push_back(part.second);
    std::vector<svg::Group> groups;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        svg::Group group{runs[i].label, {}};
        for (const auto& part : parts) {
            const Metric* metric = metric_at(metrics, part.first);
            group.values.push_back(metric != nullptr ? metric->values[i] : std::nullopt);
        }
        groups.push_back(std::move(group));
    }
    return svg::grouped_bar_chart(label, legend, groups, format);
}

std::string run_cards(const std::vector<Run>& runs) {
    std::string out = "<div class=\"tiles run-cards\">";
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const Run& run = runs[i];
        out += "<div class=\"tile\"><div class=\"tile-name\">Run " + std::to_string(i + 1) +
               "</div><div class=\"tile-value\">" + html::esc(run.label) +
               "</div><div class=\"tile-note\">";
        if (!run.scenario.empty()) out += html::esc(run.scenario) + "<br>";
        if (!run.relay.empty()) out += html::esc(run.relay) + "<br>";
        if (!run.file.empty()) out += "<code>" + html::esc(run.file) + "</code><br>";
        out += !run.passed   ? "<span class=\"badge badge-neutral\">no verdict</span>"
               : *run.passed ? "<span class=\"badge badge-good\">\u2713 passed</span>"
                             : "<span class=\"badge badge-bad\">\u2717 failed</span>";
        out += "</div></div>";
    }
    out += "</div>";
    return out;
}

std::string metrics_table(const std::vector<Run>& runs, const std::vector<Metric>& metrics) {
    if (metrics.empty()) return html::empty_note("The comparison holds no metrics.");
    std::string out =
        "<div class=\"table-wrap\"><table class=\"compare\"><thead><tr><th>Metric</th>";
    for (const Run& run : runs)
        out += "<th class=\"num\">" + html::esc(run.label) + "</th>";
    out += "</tr></thead><tbody>";
    std::string group;
    for (const Metric& metric : metrics) {
        const std::string this_group = metric_group(metric.path);
        if (this_group != group) {
            group = this_group;
            out += "<tr class=\"group\"><th colspan=\"" + std::to_string(runs.size() + 1) +
                   "\"><code>" + html::esc(group) + "</code></th></tr>";
        }
        out += "<tr><th scope=\"row\">" + html::esc(metric.label);
        if (metric.better == "lower" || metric.better == "higher") {
            out += "<span class=\"sub\">" + html::esc(metric.better) + " is better</span>";
        }
        out += "</th>";
        const std::vector<bool> best = best_of(metric);
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const auto& value = metric.values[i];
            out += best[i] ? "<td class=\"num best\">" : "<td class=\"num\">";
            out += value ? html::esc(format_metric(metric.path, *value)) : "\u2014";
            // A word as well as a colour: the best value must read in grey print too.
            if (best[i]) out += "<span class=\"badge badge-best\">best</span>";
            out += "</td>";
        }
        out += "</tr>";
    }
    out += "</tbody></table></div>";
    return out;
}

}  // namespace

std::string render_compare_html(const nlohmann::json& comparison) {
    std::vector<Run> runs = read_runs(comparison);
    const std::size_t all_runs = runs.size();
    if (runs.size() > max_compared_runs) runs.resize(max_compared_runs);
    const std::vector<Metric> metrics = read_metrics(comparison, runs.size());

    std::string scenario = runs.empty() ? std::string() : runs[0].scenario;
    for (const Run& run : runs) {
        if (run.scenario != scenario) scenario.clear();
    }

    std::string out = html::page_start("relaylab comparison");
    out +=
        "<main class=\"report\"><header id=\"top\" class=\"run-header\"><div class=\"title-block\">"
        "<p class=\"kicker\">relaylab comparison</p><h1>";
    out += scenario.empty() ? std::string("Runs side by side") : html::esc(scenario);
    out += "</h1><p class=\"description\">" + format_count(static_cast<double>(all_runs)) +
           (all_runs == 1 ? " run" : " runs") +
           (scenario.empty() ? std::string() : " of the same scenario") + ".";
    if (all_runs > runs.size()) {
        out += " The first " + format_count(static_cast<double>(runs.size())) + " are shown.";
    }
    out += "</p></div></header>";

    out += "<section id=\"runs\" class=\"card\"><h2>Runs</h2>";
    out += runs.empty() ? html::empty_note("The comparison holds no runs.") : run_cards(runs);
    out += "</section>";

    out +=
        "<section id=\"charts\" class=\"card\"><h2>Throughput and latency</h2><div "
        "class=\"grid-2\">"
        "<figure><figcaption>Throughput per run</figcaption>" +
        grouped_chart("Throughput per run, messages per second", runs, metrics,
                      {{"throughput.submit_per_s", {"submitted/s", "submitted"}},
                       {"throughput.delivered_per_s", {"delivered/s", "delivered"}}},
                      per_second) +
        "</figure><figure><figcaption>End-to-end latency per run</figcaption>" +
        grouped_chart("End-to-end latency per run, p50 and p99", runs, metrics,
                      {{"latency_ms.end_to_end.p50", {"p50", "p50"}},
                       {"latency_ms.end_to_end.p99", {"p99", "p99"}}},
                      format_ms) +
        "</figure></div></section>";

    out +=
        "<section id=\"metrics\" class=\"card\"><h2>Metrics</h2><p class=\"lede\">The best "
        "value of each row is marked where lower or higher is known to be better.</p>";
    out += metrics_table(runs, metrics);
    out +=
        "</section></main><footer class=\"page-footer\">Generated by relaylab report compare "
        "\u00b7 a self-contained page: no script, nothing loaded from the network.</footer>"
        "</body></html>\n";
    return out;
}

}  // namespace relaylab::reports
