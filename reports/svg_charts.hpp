// The report's charts as inline SVG: no script, no external resource, readable offline and in a
// viewer whose CSP blocks scripts. Every chart is one <svg class="chart" role="img"
// aria-label="..."> whose colours come from CSS classes ("tone-delivered", "tone-bad", ...)
// defined in html_stylesheet(), so the page's light and dark themes both apply. Hover texts are
// SVG <title> elements.
//
// Charts take whatever the report holds: no points (a "no data" frame of the same size, so a
// live dashboard does not jump), one point, all zeros, 10^300, a timeline of millions of steps
// (drawn from at most max_line_points averaged points). Every text is HTML-escaped here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::reports::svg {

// Drawing more points than the chart has pixels only makes the page heavy.
inline constexpr std::size_t max_line_points = 600;
// Rows beyond these are summed into one "other" row (bar lists) or left out with a note.
inline constexpr std::size_t max_bar_rows = 12;
inline constexpr std::size_t max_stack_rows = 40;
inline constexpr std::size_t max_histogram_buckets = 400;
inline constexpr std::size_t max_groups = 24;
// Labels longer than this are cut with an ellipsis (the full text stays in the hover title).
inline constexpr std::size_t max_label_chars = 28;

// A legend entry: what a colour means. The tone is a CSS class suffix ("submitted",
// "delivered", "good", ...).
struct Legend {
    std::string name;
    std::string tone;
};

// A named series of values drawn in a tone.
struct Series {
    std::string name;
    std::string tone;
    std::vector<double> values;
};

// Values over time: x in seconds since the start, one value per x in each series.
struct LineChart {
    std::string label;  // the aria-label and hover title
    std::vector<double> x;
    std::vector<Series> series;
    std::string y_unit;  // "messages/s"
};
std::string line_chart(const LineChart& chart);

// A latency histogram: bucket counts over upper bounds in ms ("le"), drawn on a log-scaled x
// axis with decade ticks; markers (p50, p99) as dashed vertical lines.
struct HistogramBucket {
    double le = 0;
    double count = 0;
};
struct Marker {
    std::string name;
    double value = 0;
};
std::string histogram_chart(std::string_view label, std::vector<HistogramBucket> buckets,
                            std::string_view tone, const std::vector<Marker>& markers);

// Horizontal bars, one per label, with the value and share written beside each: verdict
// counts, reply codes, TLS versions.
struct Bar {
    std::string label;
    double value = 0;
    std::string tone;
};
std::string bar_list_chart(std::string_view label, std::vector<Bar> bars, int width);

// One 100% bar per row split into parts (delivered / deferred / bounced per domain), the
// row's total written at its end.
struct StackRow {
    std::string label;
    std::vector<double> values;  // one per part
};
std::string stacked_share_chart(std::string_view label, const std::vector<Legend>& parts,
                                const std::vector<StackRow>& rows, std::string_view total_unit);

// Vertical bars grouped along x (one group per run in a comparison), one bar per part in each
// group; a missing value leaves a gap marked "n/a".
struct Group {
    std::string label;
    std::vector<std::optional<double>> values;  // one per part
};
using ValueFormatter = std::string (*)(double);
std::string grouped_bar_chart(std::string_view label, const std::vector<Legend>& parts,
                              const std::vector<Group>& groups, ValueFormatter format_value);

}  // namespace relaylab::reports::svg
