// svg::bar_list_chart, svg::stacked_share_chart and svg::grouped_bar_chart: counts by label,
// shares per row, and values per run side by side.
#include <algorithm>
#include <cmath>

#include "reports/human_format.hpp"
#include "reports/svg_charts.hpp"
#include "reports/svg_primitives.hpp"

namespace relaylab::reports::svg {
namespace {

constexpr double row_height = 24;
constexpr double bar_thickness = 14;
constexpr int empty_chart_height = 72;
// An average glyph of the chart's 12 px sans-serif, for fitting a label column.
constexpr double label_glyph_width = 6.6;

std::size_t code_points(std::string_view text) {
    std::size_t n = 0;
    for (char c : text)
        n += (static_cast<unsigned char>(c) & 0xC0) == 0x80 ? 0 : 1;
    return n;
}

std::string rect(double x, double y, double w, double h, std::string_view classes) {
    return "<rect class=\"" + std::string(classes) + "\" x=\"" + coord(x) + "\" y=\"" + coord(y) +
           "\" width=\"" + coord(std::max(0.0, w)) + "\" height=\"" + coord(std::max(0.0, h)) +
           "\"";
}

}  // namespace

std::string bar_list_chart(std::string_view label, std::vector<Bar> bars, int width) {
    for (Bar& bar : bars)
        bar.value = drawable(bar.value);
    if (bars.size() > max_bar_rows) {
        double other = 0;
        const std::size_t others = bars.size() - (max_bar_rows - 1);
        for (std::size_t i = max_bar_rows - 1; i < bars.size(); ++i) {
            other = drawable(other + bars[i].value);
        }
        bars.resize(max_bar_rows - 1);
        bars.push_back(
            {"other (" + format_count(static_cast<double>(others)) + ")", other, "neutral"});
    }
    double total = 0;
    double max_value = 0;
    for (const Bar& bar : bars) {
        total = drawable(total + bar.value);
        max_value = std::max(max_value, bar.value);
    }
    // The label column fits the longest label (up to a third of the chart), so short labels
    // such as reply codes leave the room to the bars.
    std::size_t longest = 0;
    for (const Bar& bar : bars)
        longest = std::max(longest, code_points(shorten(bar.label, max_label_chars)));
    const double label_width =
        std::clamp(static_cast<double>(longest) * label_glyph_width + 6, 28.0, width * 0.36);
    const double value_width = 104;
    const double bar_left = label_width + 8;
    const double bar_space = std::max(20.0, width - bar_left - value_width);
    const int height =
        bars.empty() ? empty_chart_height : static_cast<int>(8 + row_height * bars.size() + 4);

    std::string out;
    open_chart(out, label, width, height);
    if (bars.empty()) {
        append_no_data(out, width, height);
        out += "</svg>";
        return out;
    }
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const Bar& bar = bars[i];
        const double y = 8 + row_height * static_cast<double>(i);
        const double share = total > 0 ? bar.value / total : 0;
        const double length = max_value > 0 ? bar.value / max_value * bar_space : 0;
        out += "<g class=\"" + tone_class(bar.tone) + "\">";
        append_title(
            out, bar.label + ": " + format_count(bar.value) + " (" + format_percent(share) + ")");
        append_text(out, label_width, y + 12, shorten(bar.label, max_label_chars),
                    "class=\"row-label\" text-anchor=\"end\"");
        out += rect(bar_left, y + 2, bar_space, bar_thickness, "track") + "/>";
        out += rect(bar_left, y + 2, std::max(bar.value > 0 ? 2.0 : 0.0, length), bar_thickness,
                    "bar") +
               "/>";
        out += "<text class=\"value\" x=\"" + coord(bar_left + bar_space + 8) + "\" y=\"" +
               coord(y + 12) + "\"><tspan class=\"count\">" + format_count(bar.value) +
               "</tspan> " + format_percent(share) + "</text>";
        out += "</g>";
    }
    out += "</svg>";
    return out;
}

std::string stacked_share_chart(std::string_view label, const std::vector<Legend>& parts,
                                const std::vector<StackRow>& rows, std::string_view total_unit) {
    constexpr int width = 1100;
    constexpr double label_width = 190;
    constexpr double total_width = 150;
    constexpr double legend_height = 30;
    constexpr double bar_left = label_width + 10;
    constexpr double bar_space = width - bar_left - total_width;
    constexpr double min_segment_for_text = 44;
    const std::size_t shown = std::min(rows.size(), max_stack_rows);
    const int height = rows.empty() ? empty_chart_height + static_cast<int>(legend_height)
                                    : static_cast<int>(legend_height + row_height * shown +
                                                       (shown < rows.size() ? row_height : 4));

    std::string out;
    open_chart(out, label, width, height);
    append_legend(out, bar_left, 18, parts);
    if (rows.empty()) {
        append_no_data(out, width, height);
        out += "</svg>";
        return out;
    }
    for (std::size_t r = 0; r < shown; ++r) {
        const StackRow& row = rows[r];
        const double y = legend_height + row_height * static_cast<double>(r);
        // Shares from values scaled by the row's largest part, so parts near the largest
        // drawable value cannot sum past it and draw a bar longer than the row.
        std::vector<double> values(parts.size(), 0);
        double largest = 0;
        double total = 0;
        for (std::size_t p = 0; p < parts.size(); ++p) {
            values[p] = p < row.values.size() ? drawable(row.values[p]) : 0;
            largest = std::max(largest, values[p]);
            total = drawable(total + values[p]);
        }
        double scaled_total = 0;
        for (double value : values)
            scaled_total += largest > 0 ? value / largest : 0;
        append_text(out, label_width, y + 12, shorten(row.label, max_label_chars),
                    "class=\"row-label\" text-anchor=\"end\"");
        out += rect(bar_left, y + 2, bar_space, bar_thickness, "track") + "/>";
        double x = bar_left;
        for (std::size_t p = 0; p < parts.size() && largest > 0; ++p) {
            const double value = values[p];
            if (value <= 0) continue;
            const double share = value / largest / scaled_total;
            const double length = share * bar_space;
            out += rect(x, y + 2, length, bar_thickness, "bar " + tone_class(parts[p].tone)) + '>';
            append_title(out, row.label + " \u2014 " + parts[p].name + ": " + format_count(value) +
                                  " (" + format_percent(share) + ")");
            out += "</rect>";
            if (length >= min_segment_for_text) {
                append_text(out, x + length / 2, y + 13, format_percent(share),
                            "class=\"in-bar\" text-anchor=\"middle\"");
            }
            x += length;
        }
        append_text(out, bar_left + bar_space + 10, y + 12,
                    format_count(total) + " " + std::string(total_unit), "class=\"value\"");
    }
    if (shown < rows.size()) {
        append_text(out, bar_left, legend_height + row_height * static_cast<double>(shown) + 14,
                    format_count(static_cast<double>(shown)) + " of " +
                        format_count(static_cast<double>(rows.size())) +
                        " rows shown; the table below lists them all",
                    "class=\"note\"");
    }
    out += "</svg>";
    return out;
}

std::string grouped_bar_chart(std::string_view label, const std::vector<Legend>& parts,
                              const std::vector<Group>& groups, ValueFormatter format_value) {
    constexpr int height = 300;
    constexpr double left = 64;
    constexpr double right = 16;
    constexpr double top = 44;
    constexpr double bottom = 46;
    constexpr double plot_height = height - top - bottom;
    constexpr double bar_gap = 4;
    constexpr double min_bar_for_text = 30;
    const std::size_t shown = std::min(groups.size(), max_groups);
    const std::size_t bars_per_group = std::max<std::size_t>(parts.size(), 1);
    const int width = static_cast<int>(std::clamp(
        left + right + static_cast<double>(shown * (bars_per_group * 48 + 36)), 540.0, 1100.0));
    const double plot_width = width - left - right;

    double max_value = 0;
    for (std::size_t g = 0; g < shown; ++g) {
        for (const auto& value : groups[g].values) {
            if (value) max_value = std::max(max_value, drawable(*value));
        }
    }
    const std::vector<double> y_ticks = nice_ticks(0, max_value, 5);
    const double y_high = y_ticks.back();
    const PlotBox box{left, top, width - right, top + plot_height};
    const auto py = [&](double v) { return box.y(v, y_high); };

    std::string out;
    open_chart(out, label, width, height);
    append_legend(out, left, 20, parts);
    append_y_grid(out, box, y_ticks, y_high);
    out += "<g class=\"axis\">";
    // In the values' own unit: "2 s" on a latency axis, not "2k".
    append_y_labels(out, box, y_ticks, y_high, format_value);
    append_baseline(out, box);
    out += "</g>";
    if (shown == 0) {
        append_no_data(out, width, height);
        out += "</svg>";
        return out;
    }

    const double group_width = plot_width / static_cast<double>(shown);
    const double bar_width =
        std::max(2.0, (group_width * 0.8 - bar_gap * static_cast<double>(bars_per_group - 1)) /
                          static_cast<double>(bars_per_group));
    for (std::size_t g = 0; g < shown; ++g) {
        const Group& group = groups[g];
        const double group_left = left + group_width * static_cast<double>(g) + group_width * 0.1;
        for (std::size_t p = 0; p < parts.size(); ++p) {
            const double x = group_left + static_cast<double>(p) * (bar_width + bar_gap);
            const std::optional<double> value =
                p < group.values.size() ? group.values[p] : std::nullopt;
            if (!value) {
                append_text(out, x + bar_width / 2, top + plot_height - 4, "n/a",
                            "class=\"note\" text-anchor=\"middle\"");
                continue;
            }
            const double v = drawable(*value);
            out += rect(x, py(v), bar_width, top + plot_height - py(v),
                        "bar " + tone_class(parts[p].tone)) +
                   '>';
            append_title(out, group.label + " \u2014 " + parts[p].name + ": " + format_value(v));
            out += "</rect>";
            if (bar_width >= min_bar_for_text) {
                append_text(out, x + bar_width / 2, py(v) - 5, format_value(v),
                            "class=\"value\" text-anchor=\"middle\"");
            }
        }
        append_text(out, left + group_width * (static_cast<double>(g) + 0.5),
                    top + plot_height + 20, shorten(group.label, max_label_chars),
                    "class=\"row-label\" text-anchor=\"middle\"");
    }
    if (shown < groups.size()) {
        append_text(out, width - right, height - 6,
                    format_count(static_cast<double>(shown)) + " of " +
                        format_count(static_cast<double>(groups.size())) + " shown",
                    "class=\"note\" text-anchor=\"end\"");
    }
    out += "</svg>";
    return out;
}

}  // namespace relaylab::reports::svg
