#include "harness/runner/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/human_format.hpp"

namespace relaylab::runner {
namespace {

// The bar's cells when the line has room; it gives way to the numbers down to the minimum,
// below which the numbers go alone.
constexpr std::size_t preferred_bar_cells = 30;
constexpr std::size_t min_bar_cells = 10;
constexpr std::size_t bar_decoration = 4;  // "[", "]" and two spaces
// Past this an ETA or an elapsed time says only that it is long.
constexpr double max_shown_seconds = 100 * 3600 - 1;
// Shown when a rate or an ETA cannot be known (nothing sent yet, rate 0): ASCII, so the
// line's length in bytes is its width in columns.
constexpr std::string_view unknown = "?";

// Every digit, grouped: a 64-bit counter is past what format_count's double holds exactly.
std::string count_text(std::uint64_t value) {
    return reports::group_digits(std::to_string(value));
}

// "412", "12,315", "9.5", "0": whole numbers from 10 up, one decimal below.
std::string rate_text(double rate) {
    if (!std::isfinite(rate) || rate < 0) return std::string(unknown);
    char buffer[400];
    if (rate < 9.95) {
        std::snprintf(buffer, sizeof buffer, "%.1f", rate);
        std::string text = buffer;
        if (text.ends_with(".0")) text.resize(text.size() - 2);
        return text;
    }
    std::snprintf(buffer, sizeof buffer, "%.0f", rate);
    return reports::group_digits(buffer);
}

// "0s", "59s", "2m05s", "1h05m", ">99h".
std::string duration_text(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return std::string(unknown);
    if (seconds > max_shown_seconds) return ">99h";
    auto whole = static_cast<unsigned long>(seconds);
    char buffer[32];
    if (whole < 60)
        std::snprintf(buffer, sizeof buffer, "%lus", whole);
    else if (whole < 3600)
        std::snprintf(buffer, sizeof buffer, "%lum%02lus", whole / 60, whole % 60);
    else
        std::snprintf(buffer, sizeof buffer, "%luh%02lum", whole / 3600, whole % 3600 / 60);
    return buffer;
}

enum class Phase { sending, draining, done, other };

Phase phase_of(const ProgressSnapshot& s) {
    if (s.phase.empty() || s.phase == "sending") return Phase::sending;
    if (s.phase == "draining") return Phase::draining;
    if (s.phase == "done") return Phase::done;
    return Phase::other;
}

// The phase as printed: control characters would move the cursor and break the redraw.
std::string phase_text(const ProgressSnapshot& s) {
    if (s.phase.empty()) return "sending";
    std::string out;
    for (char c : s.phase) {
        auto byte = static_cast<unsigned char>(c);
        out += byte < 0x20 || byte >= 0x7f ? '?' : c;
    }
    return out;
}

// Accepted messages neither delivered nor bounced yet (deferred ones among them).
std::uint64_t still_out(const ProgressSnapshot& s) {
    std::uint64_t settled = s.delivered + s.bounced;
    if (settled < s.delivered) return 0;  // wrapped: counters from a hostile source
    return s.accepted > settled ? s.accepted - settled : 0;
}

// How far the run is, 0 to 1; none when it cannot be known (neither count nor duration).
std::optional<double> fraction_done(const ProgressSnapshot& s) {
    auto ratio = [](double part, double whole) {
        if (!(whole > 0) || !std::isfinite(part)) return 1.0;
        return std::clamp(part / whole, 0.0, 1.0);
    };
    switch (phase_of(s)) {
        case Phase::done:
            return 1.0;
        case Phase::draining:
            return ratio(static_cast<double>(s.delivered) + static_cast<double>(s.bounced),
                         static_cast<double>(s.accepted));
        case Phase::sending:
        case Phase::other:
            if (s.planned)
                return ratio(static_cast<double>(s.submitted), static_cast<double>(*s.planned));
            if (s.planned_duration_s) return ratio(s.elapsed_s, *s.planned_duration_s);
            return std::nullopt;
    }
    return std::nullopt;
}

// Seconds left while sending: from the count and the current rate, or from the duration.
std::string eta_text(const ProgressSnapshot& s) {
    if (s.planned) {
        std::uint64_t remaining = s.submitted >= *s.planned ? 0 : *s.planned - s.submitted;
        if (remaining == 0) return "0s";
        if (!std::isfinite(s.submit_rate) || !(s.submit_rate > 0)) return std::string(unknown);
        return duration_text(std::ceil(static_cast<double>(remaining) / s.submit_rate));
    }
    if (s.planned_duration_s) {
        if (!std::isfinite(*s.planned_duration_s) || !std::isfinite(s.elapsed_s))
            return std::string(unknown);
        return duration_text(std::ceil(std::max(0.0, *s.planned_duration_s - s.elapsed_s)));
    }
    return std::string(unknown);
}

// The numbers of the snapshot, the same on the bar and on a plain line.
std::string details(const ProgressSnapshot& s) {
    Phase phase = phase_of(s);
    std::string out;
    if (phase == Phase::draining) {
        out = count_text(still_out(s)) + " still out";
    } else {
        out = count_text(s.submitted);
        if (s.planned && phase != Phase::done) out += "/" + count_text(*s.planned);
        out += " sent";
    }
    out += "  " + count_text(s.delivered) + " delivered";
    out += "  " + count_text(s.deferred) + " deferred";
    if (s.rejected > 0) out += "  " + count_text(s.rejected) + " rejected";
    if (s.bounced > 0) out += "  " + count_text(s.bounced) + " bounced";
    if (phase == Phase::draining) out += "  " + rate_text(s.delivered_rate) + "/s";
    if (phase == Phase::sending || phase == Phase::other) {
        out += "  " + rate_text(s.submit_rate) + "/s";
        out += "  ETA " + eta_text(s);
    }
    return out;
}

}  // namespace

ProgressPrinter::ProgressPrinter(std::ostream& out, ProgressStyle style, double line_interval_s,
                                 std::size_t width)
    : out_(out), style_(style), line_interval_s_(line_interval_s), width_(width) {}

std::string ProgressPrinter::format_bar(const ProgressSnapshot& snapshot, std::size_t width) {
    std::string text = details(snapshot);
    if (phase_of(snapshot) != Phase::sending) text = phase_text(snapshot) + ": " + text;
    if (width < text.size() + bar_decoration + min_bar_cells) {
        // No room for a bar: the numbers alone, cut to the width so the line never wraps.
        if (text.size() > width) text.resize(width);
        return text;
    }
    std::size_t cells = std::min(preferred_bar_cells, width - text.size() - bar_decoration);
    std::optional<double> fraction = fraction_done(snapshot);
    auto filled = static_cast<std::size_t>(fraction ? *fraction * static_cast<double>(cells) : 0);
    std::string line = "[";
    line.append(filled, '#');
    line.append(cells - filled, '.');
    line += "]  ";
    line += text;
    return line;
}

std::string ProgressPrinter::format_line(const ProgressSnapshot& snapshot) {
    std::string line = duration_text(snapshot.elapsed_s) + "  " + phase_text(snapshot) + "  ";
    std::optional<double> fraction = fraction_done(snapshot);
    if (fraction && phase_of(snapshot) != Phase::done) {
        // Rounded down: 100% only when it is all there.
        line += std::to_string(static_cast<int>(std::floor(*fraction * 100))) + "%  ";
    }
    return line + details(snapshot);
}

void ProgressPrinter::update(const ProgressSnapshot& snapshot) {
    switch (style_) {
        case ProgressStyle::quiet:
            return;
        case ProgressStyle::bar: {
            std::string line = format_bar(snapshot, width_);
            out_ << '\r' << line;
            // Spaces over what a longer previous bar left on screen.
            if (line.size() < drawn_length_) out_ << std::string(drawn_length_ - line.size(), ' ');
            out_.flush();
            drawn_length_ = line.size();
            drawn_ = true;
            return;
        }
        case ProgressStyle::lines:
            // Written so that a NaN elapsed time prints rather than silencing every line.
            if (drawn_ && snapshot.elapsed_s - last_line_at_ < line_interval_s_) return;
            out_ << format_line(snapshot) << '\n';
            out_.flush();
            last_line_at_ = snapshot.elapsed_s;
            drawn_ = true;
            return;
    }
}

void ProgressPrinter::finish(const ProgressSnapshot& snapshot) {
    switch (style_) {
        case ProgressStyle::quiet:
            return;
        case ProgressStyle::bar:
            if (drawn_) {
                out_ << '\r' << std::string(drawn_length_, ' ') << '\r';
                out_.flush();
            }
            drawn_ = false;
            drawn_length_ = 0;
            return;
        case ProgressStyle::lines:
            out_ << format_line(snapshot) << '\n';
            out_.flush();
            return;
    }
}

}  // namespace relaylab::runner
