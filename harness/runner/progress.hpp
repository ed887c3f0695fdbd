// What a run shows while it goes: a one-line progress bar redrawn in place on a TTY (sent,
// delivered, deferred, rate, ETA), plain periodic lines when stdout/stderr is not a terminal
// (CI logs), nothing with --quiet. The runner calls update() about every second from its own
// thread with a snapshot; the printer decides what to draw. Sans-I/O apart from the stream.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace relaylab::runner {

struct ProgressSnapshot {
    double elapsed_s = 0;
    std::string phase;                         // "sending", "draining", "done"
    std::optional<std::uint64_t> planned;      // messages, when the scenario gives a count
    std::optional<double> planned_duration_s;  // when it gives a duration instead
    std::uint64_t submitted = 0;
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::uint64_t delivered = 0;
    std::uint64_t deferred = 0;  // deferral replies seen at receivers so far
    std::uint64_t bounced = 0;
    double submit_rate = 0;     // msgs/s over the last interval
    double delivered_rate = 0;  // msgs/s over the last interval
};

enum class ProgressStyle {
    bar,    // a TTY: one line redrawn with \r, cleared at the end
    lines,  // not a TTY: a plain line every `line_interval_s`
    quiet,  // nothing
};

class ProgressPrinter {
  public:
    // `width`: the terminal's columns (the caller asks the terminal, TIOCGWINSZ); the bar never
    // draws wider, so it never wraps and \r redraws it in place.
    ProgressPrinter(std::ostream& out, ProgressStyle style, double line_interval_s = 5,
                    std::size_t width = 100);
    void update(const ProgressSnapshot& snapshot);
    // Clears the bar (TTY) or prints a last line (lines).
    void finish(const ProgressSnapshot& snapshot);

    // "[#######.....]  4,120/10,000 sent  3,980 delivered  120 deferred  412/s  ETA 14s"
    static std::string format_bar(const ProgressSnapshot& snapshot, std::size_t width);
    static std::string format_line(const ProgressSnapshot& snapshot);

  private:
    std::ostream& out_;
    ProgressStyle style_;
    double line_interval_s_;
    std::size_t width_;
    std::size_t drawn_length_ = 0;  // of the bar on screen: a shorter one must cover it
    double last_line_at_ = -1e9;
    bool drawn_ = false;
};

}  // namespace relaylab::runner
