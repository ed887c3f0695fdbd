// svg::line_chart: series over time (the throughput timeline).
#include <algorithm>
#include <cmath>

#include "reports/human_format.hpp"
#include "reports/svg_charts.hpp"
#include "reports/svg_primitives.hpp"

namespace relaylab::reports::svg {
namespace {

constexpr int width = 1100;
constexpr int height = 320;
constexpr double left = 64;
constexpr double right = 24;
constexpr double top = 44;
constexpr double bottom = 40;
constexpr double plot_width = width - left - right;
constexpr double plot_height = height - top - bottom;
// Below this many points each one gets a dot: two points make a line nobody can read alone.
constexpr std::size_t max_dotted_points = 60;
constexpr std::size_t y_tick_target = 5;
constexpr std::size_t x_tick_target = 10;

// The drawn points: at most max_line_points, each the mean of `per_point` consecutive steps,
// at the time of the first (so a 10,000-step run costs the same page as a 600-step one, and an
// average keeps the area under the line: the number of messages).
struct Downsampled {
    std::vector<double> x;
    std::vector<std::vector<double>> values;  // per series
    std::size_t per_point = 1;
};

Downsampled downsample(const LineChart& chart) {
    Downsampled out;
    const std::size_t n = chart.x.size();
    out.per_point = n > max_line_points ? (n + max_line_points - 1) / max_line_points : 1;
    out.values.resize(chart.series.size());
    for (std::size_t begin = 0; begin < n; begin += out.per_point) {
        const std::size_t end = std::min(n, begin + out.per_point);
        out.x.push_back(drawable(chart.x[begin]));
        for (std::size_t s = 0; s < chart.series.size(); ++s) {
            const std::vector<double>& values = chart.series[s].values;
            double sum = 0;
            for (std::size_t i = begin; i < end; ++i) {
                sum += i < values.size() ? drawable(values[i]) / static_cast<double>(end - begin)
                                         : 0.0;
            }
            out.values[s].push_back(drawable(sum));
        }
    }
    return out;
}

}  // namespace

std::string line_chart(const LineChart& chart) {
    const Downsampled points = downsample(chart);
    const std::size_t m = points.x.size();

    double x_high = 0;
    for (double x : points.x)
        x_high = std::max(x_high, x);
    std::vector<double> x_ticks = time_ticks(x_high, x_tick_target);
    if (x_high <= 0) x_high = x_ticks.back();
    double y_max = 0;
    for (const auto& values : points.values) {
        for (double v : values)
            y_max = std::max(y_max, v);
    }
    const std::vector<double> y_ticks = nice_ticks(0, y_max, y_tick_target);
    const double y_high = y_ticks.back();
    const auto px = [&](double x) { return left + x / x_high * plot_width; };
    const PlotBox box{left, top, width - right, top + plot_height};
    const auto py = [&](double y) { return box.y(y, y_high); };

    std::string out;
    out.reserve(4096 + m * chart.series.size() * 24 + m * 160);
    open_chart(out, chart.label, width, height);

    std::vector<Legend> legend;
    for (const Series& series : chart.series)
        legend.push_back({series.name, series.tone});
    append_legend(out, left, 20, legend);
    if (points.per_point > 1) {
        append_text(
            out, width - right, 20,
            "each point: mean of " + format_count(static_cast<double>(points.per_point)) + " steps",
            "class=\"note\" text-anchor=\"end\"");
    }

    append_y_grid(out, box, y_ticks, y_high);
    out += "<g class=\"axis\">";
    append_y_labels(out, box, y_ticks, y_high, format_axis);
    AxisLabelSpacing spacing;
    for (double tick : x_ticks) {
        if (tick > x_high * (1 + 1e-9)) break;
        append_x_tick(out, box, px(tick));
        const std::string label = time_label(tick);
        if (spacing.fits(px(tick), label)) {
            append_text(out, px(tick), top + plot_height + 20, label, "text-anchor=\"middle\"");
        }
    }
    append_baseline(out, box);
    append_text(
        out, 14, top + plot_height / 2, chart.y_unit,
        "text-anchor=\"middle\" transform=\"rotate(-90 14 " + coord(top + plot_height / 2) + ")\"");
    out += "</g>";

    if (m == 0) {
        append_no_data(out, width, height);
        out += "</svg>";
        return out;
    }

    for (std::size_t s = 0; s < chart.series.size(); ++s) {
        const std::string tone = tone_class(chart.series[s].tone);
        out += "<path class=\"line " + tone + "\" d=\"";
        for (std::size_t i = 0; i < m; ++i) {
            out += (i == 0 ? "M" : " L") + coord(px(points.x[i])) + ',' +
                   coord(py(points.values[s][i]));
        }
        out += "\"/>";
        if (m <= max_dotted_points) {
            out += "<g class=\"dots " + tone + "\">";
            for (std::size_t i = 0; i < m; ++i) {
                out += "<circle cx=\"" + coord(px(points.x[i])) + "\" cy=\"" +
                       coord(py(points.values[s][i])) + "\" r=\"3\"/>";
            }
            out += "</g>";
        }
    }

    // One hover column per point, its title listing every series there: readouts without a
    // script.
    out += "<g class=\"hover\">";
    for (std::size_t i = 0; i < m; ++i) {
        const double x0 = i == 0 ? left : (px(points.x[i - 1]) + px(points.x[i])) / 2;
        const double x1 = i + 1 == m ? width - right : (px(points.x[i]) + px(points.x[i + 1])) / 2;
        out += "<rect x=\"" + coord(x0) + "\" y=\"" + coord(top) + "\" width=\"" +
               coord(std::max(0.0, x1 - x0)) + "\" height=\"" + coord(plot_height) + "\">";
        std::string title = "t = " + time_label(points.x[i]);
        for (std::size_t s = 0; s < chart.series.size(); ++s) {
            title += '\n' + chart.series[s].name + ": " + format_decimal(points.values[s][i]);
        }
        append_title(out, title);
        out += "</rect>";
    }
    out += "</g></svg>";
    return out;
}

}  // namespace relaylab::reports::svg
