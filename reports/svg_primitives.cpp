#include "reports/svg_primitives.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "reports/html_escape.hpp"
#include "reports/human_format.hpp"

namespace relaylab::reports::svg {
namespace {

// An average glyph of the 12 px sans-serif the stylesheet sets, for laying out legends.
constexpr double glyph_width = 6.8;
constexpr std::size_t max_ticks = 40;

bool is_continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

double drawable(double value) {
    if (!std::isfinite(value) || value < 0) return 0;
    return std::min(value, largest_drawable);
}

std::string coord(double value) {
    if (!std::isfinite(value)) value = 0;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    std::string text = buffer;
    if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0)
        text.resize(text.size() - 2);
    if (text == "-0") text = "0";
    return text;
}

void open_chart(std::string& out, std::string_view label, int width, int height) {
    const std::string w = std::to_string(width);
    const std::string h = std::to_string(height);
    out += "<svg class=\"chart\" role=\"img\" aria-label=\"";
    append_html_escaped(out, label);
    out += "\" viewBox=\"0 0 " + w + ' ' + h + "\" width=\"" + w + "\" height=\"" + h + "\">";
    append_title(out, label);
}

void append_text(std::string& out, double x, double y, std::string_view text,
                 std::string_view attributes) {
    out += "<text x=\"" + coord(x) + "\" y=\"" + coord(y) + '"';
    if (!attributes.empty()) {
        out += ' ';
        out += attributes;
    }
    out += '>';
    append_html_escaped(out, text);
    out += "</text>";
}

void append_title(std::string& out, std::string_view text) {
    out += "<title>";
    append_html_escaped(out, text);
    out += "</title>";
}

void append_no_data(std::string& out, int width, int height) {
    append_text(out, width / 2.0, height / 2.0, "No data",
                "class=\"no-data\" text-anchor=\"middle\"");
}

void append_y_grid(std::string& out, const PlotBox& box, const std::vector<double>& ticks,
                   double high) {
    out += "<g class=\"grid\">";
    for (double tick : ticks) {
        const std::string y = coord(box.y(tick, high));
        out += "<line x1=\"" + coord(box.left) + "\" x2=\"" + coord(box.right) + "\" y1=\"" + y +
               "\" y2=\"" + y + "\"/>";
    }
    out += "</g>";
}

void append_y_labels(std::string& out, const PlotBox& box, const std::vector<double>& ticks,
                     double high, ValueFormatter label) {
    for (double tick : ticks) {
        append_text(out, box.left - 8, box.y(tick, high) + 4, label(tick), "text-anchor=\"end\"");
    }
}

void append_x_tick(std::string& out, const PlotBox& box, double x) {
    out += "<line class=\"tick\" x1=\"" + coord(x) + "\" x2=\"" + coord(x) + "\" y1=\"" +
           coord(box.bottom) + "\" y2=\"" + coord(box.bottom + 5) + "\"/>";
}

void append_baseline(std::string& out, const PlotBox& box) {
    out += "<line class=\"baseline\" x1=\"" + coord(box.left) + "\" x2=\"" + coord(box.right) +
           "\" y1=\"" + coord(box.bottom) + "\" y2=\"" + coord(box.bottom) + "\"/>";
}

double append_legend(std::string& out, double x, double y, const std::vector<Legend>& entries) {
    for (const Legend& entry : entries) {
        const std::string name = shorten(entry.name, max_label_chars);
        out += "<rect class=\"swatch " + tone_class(entry.tone) + "\" x=\"" + coord(x) + "\" y=\"" +
               coord(y - 9) + "\" width=\"10\" height=\"10\" rx=\"2\"/>";
        append_text(out, x + 15, y, name, "class=\"legend\"");
        std::size_t code_points = 0;
        for (char c : name)
            code_points += is_continuation_byte(c) ? 0 : 1;
        x += 15 + static_cast<double>(code_points) * glyph_width + 18;
    }
    return x;
}

std::string shorten(std::string_view text, std::size_t max_chars) {
    if (max_chars == 0) return {};
    std::size_t code_points = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (is_continuation_byte(text[i])) continue;
        if (code_points == max_chars - 1) {
            // Cut only if more than one code point remains: "abc…" must not replace "abcd".
            std::size_t rest = 0;
            for (std::size_t k = i; k < text.size(); ++k)
                rest += is_continuation_byte(text[k]) ? 0 : 1;
            if (rest > 1) return std::string(text.substr(0, i)) + "\u2026";
            return std::string(text);
        }
        ++code_points;
    }
    return std::string(text);
}

std::vector<double> nice_ticks(double low, double high, std::size_t target) {
    low = std::isfinite(low) ? low : 0;
    high = std::isfinite(high) ? std::min(high, largest_drawable) : 0;
    if (!(high > low)) high = low + 1;
    target = std::clamp<std::size_t>(target, 2, max_ticks / 2);
    const double raw = (high - low) / static_cast<double>(target);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double fraction = raw / magnitude;
    const double step = (fraction <= 1   ? 1
                         : fraction <= 2 ? 2
                         : fraction <= 5 ? 5
                                         : 10) *
                        magnitude;
    const double start = std::floor(low / step) * step;
    std::vector<double> ticks;
    for (std::size_t i = 0; i < max_ticks; ++i) {
        const double tick = start + static_cast<double>(i) * step;
        ticks.push_back(tick);
        if (tick >= high * (1 - 1e-12)) break;
    }
    return ticks;
}

std::vector<double> time_ticks(double high, std::size_t target) {
    if (!std::isfinite(high) || high <= 0) high = 1;
    static constexpr std::array<double, 18> steps = {
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
    if (high < 1 || high / steps.back() > static_cast<double>(target)) {
        return nice_ticks(0, high, target);
    }
    double step = steps.back();
    for (double candidate : steps) {
        if (high / candidate <= static_cast<double>(target)) {
            step = candidate;
            break;
        }
    }
    std::vector<double> ticks;
    for (double tick = 0;; tick += step) {
        ticks.push_back(tick);
        if (tick >= high || ticks.size() >= max_ticks) break;
    }
    return ticks;
}

std::string time_label(double seconds) {
    if (!std::isfinite(seconds) || seconds < 60 || seconds >= 1e12) return format_seconds(seconds);
    const auto whole = static_cast<long long>(std::llround(seconds));
    const long long hours = whole / 3600;
    const long long minutes = (whole % 3600) / 60;
    const long long rest = whole % 60;
    std::string label;
    if (hours > 0) label = std::to_string(hours) + " h";
    if (minutes > 0) label += (label.empty() ? "" : " ") + std::to_string(minutes) + " min";
    if (rest > 0) label += (label.empty() ? "" : " ") + std::to_string(rest) + " s";
    return label;
}

bool AxisLabelSpacing::fits(double x, std::string_view text) {
    constexpr double gap = 8;
    std::size_t code_points = 0;
    for (char c : text)
        code_points += is_continuation_byte(c) ? 0 : 1;
    const double half = static_cast<double>(code_points) * glyph_width / 2;
    if (x - half < last_right_ + gap) return false;
    last_right_ = x + half;
    return true;
}

std::string tone_class(std::string_view tone) {
    std::string out = "tone-";
    for (char c : tone) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out += c;
    }
    return out;
}

}  // namespace relaylab::reports::svg
