// format_bar and format_line as exact strings: a person reads them, so a changed space or a
// lost separator is a regression worth a failing test.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "harness/runner/progress.hpp"

using relaylab::runner::ProgressPrinter;
using relaylab::runner::ProgressSnapshot;

namespace {

ProgressSnapshot typical() {
    ProgressSnapshot s;
    s.elapsed_s = 10;
    s.phase = "sending";
    s.planned = 10000;
    s.submitted = 4120;
    s.accepted = 4120;
    s.delivered = 3980;
    s.deferred = 120;
    s.submit_rate = 412;
    s.delivered_rate = 398;
    return s;
}

std::string bar(const ProgressSnapshot& s, std::size_t width = 100) {
    return ProgressPrinter::format_bar(s, width);
}

}  // namespace

TEST_CASE("a typical sending snapshot: counts with separators, bar by count, ETA from the rate") {
    // 5,880 left at 412/s: 14.3 s, shown rounded up.
    CHECK(bar(typical()) ==
          "[############..................]  4,120/10,000 sent  3,980 delivered  120 deferred  "
          "412/s  ETA 15s");
    CHECK(ProgressPrinter::format_line(typical()) ==
          "10s  sending  41%  4,120/10,000 sent  3,980 delivered  120 deferred  412/s  ETA 15s");
}

TEST_CASE("an empty phase reads as sending") {
    ProgressSnapshot s = typical();
    s.phase.clear();
    CHECK(bar(s) == bar(typical()));
    CHECK(ProgressPrinter::format_line(s) == ProgressPrinter::format_line(typical()));
}

TEST_CASE("rejected and bounced appear only when there are some") {
    ProgressSnapshot s = typical();
    s.rejected = 3;
    s.bounced = 1200;
    CHECK(ProgressPrinter::format_line(s) ==
          "10s  sending  41%  4,120/10,000 sent  3,980 delivered  120 deferred  3 rejected  "
          "1,200 bounced  412/s  ETA 15s");
}

TEST_CASE("0 planned messages: complete at once, ETA 0s, no division by zero") {
    ProgressSnapshot s;
    s.phase = "sending";
    s.planned = 0;
    CHECK(bar(s) ==
          "[##############################]  0/0 sent  0 delivered  0 deferred  0/s  "
          "ETA 0s");
    CHECK(ProgressPrinter::format_line(s) ==
          "0s  sending  100%  0/0 sent  0 delivered  0 deferred  0/s  ETA 0s");
}

TEST_CASE("elapsed 0 and rate 0: an empty bar and an unknown ETA") {
    ProgressSnapshot s;
    s.phase = "sending";
    s.planned = 1000;
    CHECK(bar(s) ==
          "[..............................]  0/1,000 sent  0 delivered  0 deferred  "
          "0/s  ETA ?");
    CHECK(ProgressPrinter::format_line(s) ==
          "0s  sending  0%  0/1,000 sent  0 delivered  0 deferred  0/s  ETA ?");
}

TEST_CASE("a rate that is not a number shows as unknown, and so does the ETA") {
    ProgressSnapshot s = typical();
    s.submit_rate = std::nan("");
    CHECK(ProgressPrinter::format_line(s) ==
          "10s  sending  41%  4,120/10,000 sent  3,980 delivered  120 deferred  ?/s  ETA ?");
    s.submit_rate = -5;
    CHECK(ProgressPrinter::format_line(s) ==
          "10s  sending  41%  4,120/10,000 sent  3,980 delivered  120 deferred  ?/s  ETA ?");
}

TEST_CASE("small rates keep one decimal, whole ones drop it") {
    ProgressSnapshot s;
    s.planned = 100;
    s.submitted = 10;
    s.submit_rate = 2.5;  // 90 left: 36 s
    CHECK(ProgressPrinter::format_line(s) ==
          "0s  sending  10%  10/100 sent  0 delivered  0 deferred  2.5/s  ETA 36s");
    s.submit_rate = 0.04;  // shown as 0, but the ETA still comes from the real rate
    CHECK(ProgressPrinter::format_line(s) ==
          "0s  sending  10%  10/100 sent  0 delivered  0 deferred  0/s  ETA 37m30s");
    s.submit_rate = 12315.4;
    CHECK(ProgressPrinter::format_line(s) ==
          "0s  sending  10%  10/100 sent  0 delivered  0 deferred  12,315/s  ETA 1s");
}

TEST_CASE("huge numbers: every digit grouped, the ETA capped, the line never wider than asked") {
    ProgressSnapshot s;
    s.phase = "sending";
    s.planned = std::numeric_limits<std::uint64_t>::max();
    s.submitted = 9'000'000'000'000'000'000ULL;
    s.delivered = std::numeric_limits<std::uint64_t>::max();
    s.submit_rate = 1e12;
    s.elapsed_s = 1e9;
    std::string text =
        "9,000,000,000,000,000,000/18,446,744,073,709,551,615 sent  "
        "18,446,744,073,709,551,615 delivered  0 deferred  1,000,000,000,000/s  ETA >99h";
    CHECK(ProgressPrinter::format_line(s) == ">99h  sending  48%  " + text);
    // 100 columns leave no room for a bar: the numbers alone, cut at the edge.
    CHECK(bar(s) == text.substr(0, 100));
    // 200 do: 30 cells, 48.8% of them filled.
    CHECK(bar(s, 200) == "[##############................]  " + text);
}

TEST_CASE("a run given by duration: bar and ETA from the clock, whatever the rate") {
    ProgressSnapshot s;
    s.phase = "sending";
    s.planned_duration_s = 60;
    s.elapsed_s = 15.2;
    s.submitted = 3000;
    s.delivered = 2900;
    s.submit_rate = 0;
    // 44.8 s left, rounded up.
    CHECK(bar(s) ==
          "[#######.......................]  3,000 sent  2,900 delivered  0 deferred  "
          "0/s  ETA 45s");
    CHECK(ProgressPrinter::format_line(s) ==
          "15s  sending  25%  3,000 sent  2,900 delivered  0 deferred  0/s  ETA 45s");
    s.elapsed_s = 75;  // overran (draining stragglers): full, nothing left
    CHECK(ProgressPrinter::format_line(s) ==
          "1m15s  sending  100%  3,000 sent  2,900 delivered  0 deferred  0/s  ETA 0s");
    s.planned_duration_s = 0;
    CHECK(bar(s).starts_with("[##############################]"));
}

TEST_CASE("a count takes precedence over a duration when both are given") {
    ProgressSnapshot s = typical();
    s.planned_duration_s = 3600;
    CHECK(bar(s) == bar(typical()));
}

TEST_CASE("neither count nor duration: an empty bar, no percentage, ETA unknown") {
    ProgressSnapshot s;
    s.elapsed_s = 2;
    s.submitted = 123;
    s.delivered = 100;
    s.submit_rate = 50;
    CHECK(bar(s) ==
          "[..............................]  123 sent  100 delivered  0 deferred  "
          "50/s  ETA ?");
    CHECK(ProgressPrinter::format_line(s) ==
          "2s  sending  123 sent  100 delivered  0 deferred  50/s  ETA ?");
}

TEST_CASE("ETAs and elapsed times in the unit that fits") {
    ProgressSnapshot s;
    s.planned = 1'000'000;
    s.submit_rate = 1;
    s.submitted = 1'000'000 - 125;
    CHECK(ProgressPrinter::format_line(s).ends_with("ETA 2m05s"));
    s.submitted = 1'000'000 - 3900;
    CHECK(ProgressPrinter::format_line(s).ends_with("ETA 1h05m"));
    s.elapsed_s = 3599.9;
    CHECK(ProgressPrinter::format_line(s).starts_with("59m59s  "));
    s.elapsed_s = std::numeric_limits<double>::infinity();
    CHECK(ProgressPrinter::format_line(s).starts_with("?  "));
}

TEST_CASE("draining shows what is still out and the delivery rate, no ETA") {
    ProgressSnapshot s;
    s.elapsed_s = 125;
    s.phase = "draining";
    s.planned = 10000;
    s.submitted = 10000;
    s.accepted = 10000;
    s.delivered = 9800;
    s.bounced = 50;
    s.deferred = 150;
    s.delivered_rate = 25.4;
    // 150 accepted, neither delivered nor bounced; the bar: 9,850 of 10,000 settled, in the
    // 24 cells the 72 columns of numbers leave of 100.
    CHECK(bar(s) ==
          "[#######################.]  draining: 150 still out  9,800 delivered  "
          "150 deferred  50 bounced  25/s");
    CHECK(ProgressPrinter::format_line(s) ==
          "2m05s  draining  98%  150 still out  9,800 delivered  150 deferred  50 bounced  25/s");
}

TEST_CASE("draining with counters that do not add up never shows a negative count") {
    ProgressSnapshot s;
    s.phase = "draining";
    s.accepted = 10;
    s.delivered = 12;  // duplicates counted as deliveries
    CHECK(ProgressPrinter::format_line(s) ==
          "0s  draining  100%  0 still out  12 delivered  0 deferred  0/s");
    s.delivered = std::numeric_limits<std::uint64_t>::max();
    s.bounced = 2;  // the sum wraps
    CHECK(ProgressPrinter::format_line(s).find("  0 still out") != std::string::npos);
    s = {};
    s.phase = "draining";  // nothing accepted at all
    CHECK(bar(s).starts_with("[##############################]  draining: 0 still out"));
}

TEST_CASE("done: totals without a plan, a full bar, no rate") {
    ProgressSnapshot s = typical();
    s.phase = "done";
    s.submitted = 10000;
    s.delivered = 10000;
    s.deferred = 0;
    CHECK(bar(s) ==
          "[##############################]  done: 10,000 sent  10,000 delivered  0 deferred");
    CHECK(ProgressPrinter::format_line(s) ==
          "10s  done  10,000 sent  10,000 delivered  0 deferred");
}

TEST_CASE("a phase with control characters cannot move the terminal's cursor") {
    ProgressSnapshot s;
    s.phase = "warm\x1b[2Jup\r";
    CHECK(ProgressPrinter::format_line(s).starts_with("0s  warm?[2Jup?  "));
}

TEST_CASE("narrow terminals: the bar shrinks, then goes, and the line never wraps") {
    ProgressSnapshot s = typical();
    std::string text =
        "4,120/10,000 sent  3,980 delivered  120 deferred  412/s  ETA 15s";  // 64 columns
    CHECK(bar(s, 78) == "[####......]  " + text);  // the 10 cells of the minimum
    CHECK(bar(s, 78).size() == 78);
    CHECK(bar(s, 80) == "[####........]  " + text);
    CHECK(bar(s, 77) == text);
    CHECK(bar(s, 20) == text.substr(0, 20));
    CHECK(bar(s, 0).empty());
}
