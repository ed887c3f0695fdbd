// svg::histogram_chart: a latency histogram on a log-scaled x axis. Latency spans decades (a
// 3 ms submission and a 2 s greylisting retry in one run); a linear axis would squash all but
// the slowest bucket into one pixel.
#include <algorithm>
#include <cmath>

#include "reports/human_format.hpp"
#include "reports/svg_charts.hpp"
#include "reports/svg_primitives.hpp"

namespace relaylab::reports::svg {
namespace {

constexpr int width = 540;
constexpr int height = 260;
constexpr double left = 56;
constexpr double right = 18;
constexpr double top = 30;
constexpr double bottom = 42;
constexpr double plot_width = width - left - right;
constexpr double plot_height = height - top - bottom;
// A bucket "le 0" has no logarithm: positions below a microsecond are drawn at one.
constexpr double smallest_position_ms = 1e-3;
constexpr std::size_t max_decade_labels = 8;
constexpr double empty_low_decade = 0;   // 1 ms
constexpr double empty_high_decade = 3;  // 1 s

double position(double ms) {
    return std::log10(std::max(ms, smallest_position_ms));
}

// Sorted, distinct upper bounds, at most max_histogram_buckets (neighbours merged).
std::vector<HistogramBucket> clean(std::vector<HistogramBucket> buckets) {
    std::vector<HistogramBucket> sorted;
    for (const HistogramBucket& bucket : buckets) {
        if (!std::isfinite(bucket.le) || bucket.le < 0) continue;
        sorted.push_back({std::min(bucket.le, largest_drawable), drawable(bucket.count)});
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const HistogramBucket& a, const HistogramBucket& b) { return a.le < b.le; });
    std::vector<HistogramBucket> distinct;
    for (const HistogramBucket& bucket : sorted) {
        if (!distinct.empty() && distinct.back().le == bucket.le) {
            distinct.back().count = drawable(distinct.back().count + bucket.count);
        } else {
            distinct.push_back(bucket);
        }
    }
    if (distinct.size() <= max_histogram_buckets) return distinct;
    const std::size_t per_bar =
        (distinct.size() + max_histogram_buckets - 1) / max_histogram_buckets;
    std::vector<HistogramBucket> merged;
    for (std::size_t i = 0; i < distinct.size(); ++i) {
        if (i % per_bar == 0) merged.push_back({distinct[i].le, 0});
        merged.back().le = distinct[i].le;
        merged.back().count = drawable(merged.back().count + distinct[i].count);
    }
    return merged;
}

}  // namespace

std::string histogram_chart(std::string_view label, std::vector<HistogramBucket> buckets,
                            std::string_view tone, const std::vector<Marker>& markers) {
    const std::vector<HistogramBucket> bars = clean(std::move(buckets));
    // The first bucket's lower edge is not in the data: draw it one bucket-width (on the log
    // scale) below its bound, or half of it when there is no second bucket.
    std::vector<double> lower(bars.size());
    for (std::size_t i = 0; i < bars.size(); ++i)
        lower[i] = i == 0 ? bars[0].le / 2 : bars[i - 1].le;
    if (bars.size() > 1 && bars[0].le > 0)
        lower[0] = bars[0].le * bars[0].le / std::max(bars[1].le, bars[0].le);

    double low_decade = empty_low_decade;
    double high_decade = empty_high_decade;
    double max_count = 0;
    double total = 0;
    if (!bars.empty()) {
        low_decade = std::floor(position(lower[0]));
        high_decade = std::max(low_decade + 1, std::ceil(position(bars.back().le)));
        for (const HistogramBucket& bar : bars) {
            max_count = std::max(max_count, bar.count);
            total = drawable(total + bar.count);
        }
    }
    const std::vector<double> y_ticks = nice_ticks(0, max_count, 4);
    const double y_high = y_ticks.back();
    const auto px = [&](double ms) {
        const double at = std::clamp(position(ms), low_decade, high_decade);
        return left + (at - low_decade) / (high_decade - low_decade) * plot_width;
    };
    const PlotBox box{left, top, width - right, top + plot_height};
    const auto py = [&](double count) { return box.y(count, y_high); };

    std::string out;
    open_chart(out, label, width, height);
    append_y_grid(out, box, y_ticks, y_high);
    out += "<g class=\"axis\">";
    append_y_labels(out, box, y_ticks, y_high, format_axis);
    const auto decades = static_cast<std::size_t>(high_decade - low_decade);
    const std::size_t label_every = (decades + max_decade_labels - 1) / max_decade_labels;
    AxisLabelSpacing spacing;
    for (std::size_t d = 0; d <= decades; d += std::max<std::size_t>(label_every, 1)) {
        const double ms = std::pow(10.0, low_decade + static_cast<double>(d));
        const double x = px(ms);
        append_x_tick(out, box, x);
        const std::string tick_label = format_ms(ms);
        if (spacing.fits(x, tick_label)) {
            append_text(out, x, top + plot_height + 19, tick_label, "text-anchor=\"middle\"");
        }
    }
    append_baseline(out, box);
    append_text(out, left + plot_width / 2, height - 4, "latency (log scale)",
                "class=\"note\" text-anchor=\"middle\"");
    out += "</g>";

    if (bars.empty() || total == 0) {
        append_no_data(out, width, height);
        out += "</svg>";
        return out;
    }

    out += "<g class=\"bars " + tone_class(tone) + "\">";
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const double x0 = px(lower[i]);
        const double x1 = px(bars[i].le);
        const double bar_width = std::max(1.0, x1 - x0 - 1);
        out += "<rect class=\"bar\" x=\"" + coord(x0) + "\" y=\"" + coord(py(bars[i].count)) +
               "\" width=\"" + coord(bar_width) + "\" height=\"" +
               coord(top + plot_height - py(bars[i].count)) + "\">";
        append_title(out, format_ms(lower[i]) + " \u2013 " + format_ms(bars[i].le) + ": " +
                              format_count(bars[i].count) + " (" +
                              format_percent(bars[i].count / total) + ")");
        out += "</rect>";
    }
    out += "</g>";

    // Labels alternate sides of their line (p50 to the left, p99 to the right) so two close
    // percentiles stay readable.
    for (std::size_t i = 0; i < markers.size(); ++i) {
        const Marker& marker = markers[i];
        if (!std::isfinite(marker.value)) continue;
        const double x = px(marker.value);
        out += "<line class=\"marker\" x1=\"" + coord(x) + "\" x2=\"" + coord(x) + "\" y1=\"" +
               coord(top - 12) + "\" y2=\"" + coord(top + plot_height) + "\"/>";
        const bool to_the_left = i % 2 == 0 && x - left > 90;
        append_text(
            out, to_the_left ? x - 4 : x + 4, top - 4, marker.name + " " + format_ms(marker.value),
            to_the_left ? "class=\"marker-label\" text-anchor=\"end\"" : "class=\"marker-label\"");
    }
    out += "</svg>";
    return out;
}

}  // namespace relaylab::reports::svg
