// What the printer writes for each style, byte for byte: on a TTY the bar is redrawn in place
// and a shorter bar covers the longer one before it; in a log one line per interval; with
// --quiet nothing at all.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>

#include "harness/runner/progress.hpp"

using relaylab::runner::ProgressPrinter;
using relaylab::runner::ProgressSnapshot;
using relaylab::runner::ProgressStyle;

namespace {

ProgressSnapshot at(double elapsed, std::uint64_t submitted) {
    ProgressSnapshot s;
    s.elapsed_s = elapsed;
    s.planned = 1000;
    s.submitted = submitted;
    s.submit_rate = 100;
    return s;
}

}  // namespace

TEST_CASE("bar: each update redraws from column 0; a shorter line is padded over the longer") {
    std::ostringstream out;
    ProgressPrinter printer(out, ProgressStyle::bar, 5, 100);
    ProgressSnapshot longer = at(1, 100);
    longer.rejected = 12345;  // "  12,345 rejected": a longer line
    ProgressSnapshot shorter = at(2, 200);
    std::string first = ProgressPrinter::format_bar(longer, 100);
    std::string second = ProgressPrinter::format_bar(shorter, 100);
    REQUIRE(second.size() < first.size());

    printer.update(longer);
    CHECK(out.str() == "\r" + first);
    printer.update(shorter);
    CHECK(out.str() ==
          "\r" + first + "\r" + second + std::string(first.size() - second.size(), ' '));
    // Finishing wipes the bar (as long as the longest line still on screen) and returns the
    // cursor, so what the run prints next starts on a clean line.
    out.str("");
    printer.finish(at(3, 1000));
    CHECK(out.str() == "\r" + std::string(second.size(), ' ') + "\r");
}

TEST_CASE("bar: the printer's width is the bar's width") {
    std::ostringstream out;
    ProgressPrinter printer(out, ProgressStyle::bar, 5, 40);
    printer.update(at(1, 100));
    CHECK(out.str() == "\r" + ProgressPrinter::format_bar(at(1, 100), 40));
    CHECK(out.str().size() == 41);
}

TEST_CASE("bar: finish without an update writes nothing") {
    std::ostringstream out;
    ProgressPrinter printer(out, ProgressStyle::bar);
    printer.finish(at(1, 1000));
    CHECK(out.str().empty());
}

TEST_CASE("lines: the first update prints, then one line per interval, finish always prints") {
    std::ostringstream out;
    ProgressPrinter printer(out, ProgressStyle::lines, 5);
    for (double elapsed : {0.0, 1.0, 2.0, 4.9, 5.0, 6.0, 9.9, 10.5}) {
        printer.update(at(elapsed, static_cast<std::uint64_t>(elapsed * 100)));
    }
    printer.finish(at(11, 1000));
    std::string expected = ProgressPrinter::format_line(at(0, 0)) + "\n" +
                           ProgressPrinter::format_line(at(5, 500)) + "\n" +
                           ProgressPrinter::format_line(at(10.5, 1050)) + "\n" +
                           ProgressPrinter::format_line(at(11, 1000)) + "\n";
    CHECK(out.str() == expected);
    CHECK(out.str().find('\r') == std::string::npos);
}

TEST_CASE("lines: an elapsed time that is not a number does not silence the log") {
    std::ostringstream out;
    ProgressPrinter printer(out, ProgressStyle::lines, 5);
    printer.update(at(0, 0));
    printer.update(at(std::nan(""), 10));
    printer.update(at(std::nan(""), 20));
    std::string text = out.str();
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
}

TEST_CASE("quiet: nothing, ever") {
    std::ostringstream out;
    ProgressPrinter printer(out, ProgressStyle::quiet, 0);
    printer.update(at(0, 0));
    printer.update(at(10, 1000));
    printer.finish(at(11, 1000));
    CHECK(out.str().empty());
}
