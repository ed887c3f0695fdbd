// report.html's throughput over time and latency sections.
#include <array>
#include <cmath>
#include <string>

#include "reports/html_sections.hpp"
#include "reports/human_format.hpp"
#include "reports/json_view.hpp"
#include "reports/svg_charts.hpp"

namespace relaylab::reports::html {
namespace {

using json_view::number_at;

struct TimelineField {
    std::string_view key;
    std::string_view name;
    std::string_view tone;
};
constexpr std::array<TimelineField, 6> timeline_fields = {{
    {"submitted", "submitted", "submitted"},
    {"accepted", "accepted", "accepted"},
    {"delivered", "delivered", "delivered"},
    {"deferred", "deferred", "deferred"},
    {"bounced", "bounced", "bounced"},
    {"rejected", "rejected", "rejected"},
}};

struct LatencyKind {
    std::string_view key;
    std::string_view name;
    std::string_view what;
    std::string_view tone;
};
constexpr std::array<LatencyKind, 2> latency_kinds = {{
    {"submit", "Submission", "until the relay accepted the message", "submitted"},
    {"end_to_end", "End to end", "until the message arrived at the receiving MX", "delivered"},
}};

struct Percentile {
    std::string_view key;
    std::string_view name;
};
constexpr std::array<Percentile, 7> percentile_columns = {{
    {"mean", "mean"},
    {"p50", "p50"},
    {"p90", "p90"},
    {"p99", "p99"},
    {"p999", "p99.9"},
    {"max", "max"},
    {"count", "count"},
}};

}  // namespace

std::string throughput_section(const nlohmann::json& report) {
    double step = number_at(report, {"throughput", "timeline_step_s"}).value_or(1);
    if (!(step > 0)) step = 1;
    const nlohmann::json* timeline = json_view::array_at(report, {"throughput", "timeline"});

    svg::LineChart chart;
    chart.label = "Throughput over time, messages per second";
    chart.y_unit = "messages/s";
    bool any_rejected = false;
    if (timeline != nullptr) {
        for (const nlohmann::json& point : *timeline) {
            if (json_view::number_at(point, {"rejected"}).value_or(0) > 0) any_rejected = true;
        }
    }
    for (const TimelineField& field : timeline_fields) {
        // Rejections at submission are rare; a flat zero line would only add clutter.
        if (field.key == "rejected" && !any_rejected) continue;
        chart.series.push_back({std::string(field.name), std::string(field.tone), {}});
    }
    if (timeline != nullptr) {
        std::size_t index = 0;
        for (const nlohmann::json& point : *timeline) {
            const double t = number_at(point, {"t"}).value_or(static_cast<double>(index) * step);
            chart.x.push_back(t);
            std::size_t s = 0;
            for (const TimelineField& field : timeline_fields) {
                if (field.key == "rejected" && !any_rejected) continue;
                chart.series[s++].values.push_back(json_view::count_at(point, {field.key}) / step);
            }
            ++index;
        }
    }

    std::string lede;
    const auto submit = number_at(report, {"throughput", "submit_per_s"});
    const auto delivered = number_at(report, {"throughput", "delivered_per_s"});
    if (submit) lede += "Submitted " + format_decimal(*submit) + "/s";
    if (delivered)
        lede += (lede.empty() ? "Delivered " : ", delivered ") + format_decimal(*delivered) + "/s";
    if (!lede.empty()) lede += " over the whole run. ";
    lede += "Events per " + format_decimal(step) + " s step.";

    std::string out;
    open_section(out, "throughput", "Throughput over time", lede);
    out += "<figure>" + svg::line_chart(chart) + "</figure></section>";
    return out;
}

std::string latency_section(const nlohmann::json& report) {
    std::string out;
    open_section(out, "latency", "Latency",
                 "Measured from each message's intended send time, so a slow server cannot hide "
                 "queueing (no coordinated omission).");
    out += "<div class=\"table-wrap\"><table><thead><tr><th>Latency</th>";
    for (const Percentile& column : percentile_columns) {
        out += "<th class=\"num\">";
        out += column.name;
        out += "</th>";
    }
    out += "</tr></thead><tbody>";
    for (const LatencyKind& kind : latency_kinds) {
        out += "<tr><th scope=\"row\">";
        out += kind.name;
        out += "<span class=\"sub\">" + esc(kind.what) + "</span></th>";
        for (const Percentile& column : percentile_columns) {
            const auto value = number_at(report, {"latency_ms", kind.key, column.key});
            if (!value) {
                out += num_cell("\u2014");
            } else {
                out += num_cell(column.key == "count" ? format_count(*value) : format_ms(*value));
            }
        }
        out += "</tr>";
    }
    out += "</tbody></table></div><div class=\"grid-2\">";
    for (const LatencyKind& kind : latency_kinds) {
        std::vector<svg::HistogramBucket> buckets;
        if (const nlohmann::json* list =
                json_view::array_at(report, {"latency_ms", "histograms", kind.key})) {
            for (const nlohmann::json& bucket : *list) {
                const auto le = number_at(bucket, {"le"});
                if (le) buckets.push_back({*le, json_view::count_at(bucket, {"count"})});
            }
        }
        std::vector<svg::Marker> markers;
        for (std::string_view p : {"p50", "p99"}) {
            if (const auto value = number_at(report, {"latency_ms", kind.key, p})) {
                markers.push_back({std::string(p), *value});
            }
        }
        out += "<figure><figcaption>";
        out += kind.name;
        out += " latency distribution</figcaption>";
        out += svg::histogram_chart(std::string(kind.name) + " latency histogram",
                                    std::move(buckets), kind.tone, markers);
        out += "</figure>";
    }
    out += "</div></section>";
    return out;
}

}  // namespace relaylab::reports::html
