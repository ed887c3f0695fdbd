// The pieces every chart in svg_charts.cpp files shares: the <svg> frame with its accessible
// name, escaped text, coordinates, "nice" axis ticks and labels cut to a width. Internal to
// relaylab_reports.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "reports/svg_charts.hpp"

namespace relaylab::reports::svg {

// Values beyond this are drawn at it: scales computed from 10^308 overflow to infinity.
inline constexpr double largest_drawable = 1e300;

// Non-finite and negative values (counts cannot be negative) become 0; huge ones are capped.
double drawable(double value);

// A coordinate with one decimal, which is finer than a pixel at the sizes used here.
std::string coord(double value);

// <svg class="chart" role="img" aria-label=...> with a <title>; close with "</svg>".
void open_chart(std::string& out, std::string_view label, int width, int height);
// <text> with escaped content; `attributes` is trusted markup such as class="axis".
void append_text(std::string& out, double x, double y, std::string_view text,
                 std::string_view attributes);
// <title> for hover, escaped.
void append_title(std::string& out, std::string_view text);
// The centred "No data" note of an empty chart.
void append_no_data(std::string& out, int width, int height);
// Swatches and names in a row starting at (x, y); returns the x after the last entry.
double append_legend(std::string& out, double x, double y, const std::vector<Legend>& entries);

// The rectangle inside a chart's margins where the data goes, in chart coordinates: the
// frame the grid, axis ticks and baseline of every chart with a value axis are drawn against.
struct PlotBox {
    double left;
    double top;
    double right;   // x of the right edge
    double bottom;  // y of the baseline

    double height() const { return bottom - top; }
    // The y of `value` on a linear axis from 0 at the baseline to `high` at the top.
    double y(double value, double high) const { return top + height() - value / high * height(); }
};

// <g class="grid"> with a horizontal line across the box at each tick of an axis from 0 to
// `high`.
void append_y_grid(std::string& out, const PlotBox& box, const std::vector<double>& ticks,
                   double high);
// Each tick's label, right-aligned just left of the box; goes inside <g class="axis">.
void append_y_labels(std::string& out, const PlotBox& box, const std::vector<double>& ticks,
                     double high, ValueFormatter label);
// The short mark under the baseline at `x`, where an x-axis label belongs.
void append_x_tick(std::string& out, const PlotBox& box, double x);
// The line along the bottom of the box, drawn over the bars' feet.
void append_baseline(std::string& out, const PlotBox& box);

// At most `max_chars` code points of UTF-8 text, "…" at the end when cut.
std::string shorten(std::string_view text, std::size_t max_chars);

// Ticks for a linear axis from 0 (or `low`) that covers `high`: steps of 1, 2 or 5 times a
// power of ten, about `target` of them. The last tick is >= high; high <= low gives 0..1.
std::vector<double> nice_ticks(double low, double high, std::size_t target);
// Ticks for a time axis in seconds: steps people count in (5 s, 30 s, 5 min, 1 h, ...).
std::vector<double> time_ticks(double high, std::size_t target);
// A time tick label: "45 s", "5 min", "1 h 30 min".
std::string time_label(double seconds);

// Labels along an x axis, left to right, each centred on its tick: one that would overlap the
// label before it is left out (its tick stays), so long labels ("2.78e+282 h") never print
// over each other.
class AxisLabelSpacing {
  public:
    bool fits(double x, std::string_view text);

  private:
    double last_right_ = -largest_drawable;
};

// A tone as a CSS class: "tone-" + tone, with anything but [a-z0-9-] dropped.
std::string tone_class(std::string_view tone);

}  // namespace relaylab::reports::svg
