// relaylab report compare RUN.json... --out DIR: several runs' report.json side by side
// (typically one scenario through the builtin relay, Postfix and a provider), written as
// compare.json for machines and compare.html for people.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/cli/commands.hpp"
#include "reports/report_writers.hpp"

namespace relaylab::cli {
namespace {

// A report of a 1,000,000-message run is a few hundred KiB (its timeline is per second, its
// histograms bounded); 64 MiB is far past any real one and still fits in memory several times.
constexpr std::uintmax_t max_report_file_bytes = 64 * 1024 * 1024;
// Columns a person can still read side by side; also bounds memory at 64 x 64 MiB of input.
constexpr std::size_t max_compared_runs = 64;

const CommandSpec& spec() {
    static const CommandSpec spec{
        .name = "report",
        .synopsis = "compare RUN.json... [--label NAME]... --out DIR",
        .summary = "side-by-side comparison of runs' report.json: compare",
        .description =
            "compare reads each RUN.json (a report.json of `relaylab run`, schema\n"
            "relaylab.report/1) and writes DIR/compare.json and DIR/compare.html: totals,\n"
            "throughput, submission and end-to-end latency percentiles, SPF/DKIM/DMARC pass\n"
            "ratios and expectation counts, one column per run. Each --label names the column\n"
            "of the RUN.json at the same position (default: scenario and relay of the run).\n"
            "A file that is missing, too large, not JSON or not a report exits 2 naming it.",
        .options =
            {
                {"--out", "DIR", "where to write compare.json and compare.html (created)"},
                {"--label", "NAME", "compare: a column's name, one per RUN.json, in order", true},
            },
        .min_positional = 1,
        .max_positional = 1 + max_compared_runs,
        .positional_name = "compare RUN.json...",
    };
    return spec;
}

// 1-based line and column of a byte offset, for "file:line:column" messages.
std::string line_and_column(const std::string& text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return std::to_string(line) + ":" + std::to_string(offset - line_start + 1);
}

// nlohmann's what() starts "[json.exception.parse_error.101] parse error at line 3, column
// 5: " before the reason; the reason alone reads better after our own file:line:column. The
// reason quotes the bytes it last read ("last read: '...'"), which may be anything the file
// holds: bytes outside printable ASCII are shown as \xNN, never sent raw to a terminal.
std::string parse_error_reason(const nlohmann::json::parse_error& error) {
    std::string_view what = error.what();
    const std::string_view marker = ": ";
    if (auto at = what.find("parse error"); at != std::string::npos) {
        if (auto colon = what.find(marker, at); colon != std::string::npos)
            what.remove_prefix(colon + marker.size());
    }
    std::string reason;
    for (char c : what) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7F) {
            reason += c;
            continue;
        }
        static constexpr char hex[] = "0123456789abcdef";
        reason += "\\x";
        reason += hex[byte >> 4];
        reason += hex[byte & 0xF];
    }
    return reason;
}

std::string read_report_text(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        throw UsageError(path + ": cannot read: no such file");
    if (std::filesystem::is_directory(status))
        throw UsageError(path + ": cannot read: a directory, want a report.json file");
    const auto too_large = [&] {
        return UsageError(path + ": larger than " + std::to_string(max_report_file_bytes >> 20) +
                          " MiB, not a report.json");
    };
    if (std::filesystem::is_regular_file(status)) {
        const auto size = std::filesystem::file_size(path, ec);
        if (!ec && size > max_report_file_bytes) throw too_large();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(path + ": cannot open for reading");
    // A pipe or device has no size to check first: stop reading a little past the limit, so
    // one that never ends is refused too.
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_report_file_bytes) throw too_large();
    }
    if (in.bad()) throw UsageError(path + ": read error");
    return text;
}

nlohmann::json read_report(const std::string& path) {
    const std::string text = read_report_text(path);
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& error) {
        // error.byte is 1-based: the position of the character that broke the parse.
        const std::size_t offset = error.byte > 0 ? error.byte - 1 : 0;
        throw UsageError(path + ":" + line_and_column(text, offset) +
                         ": not valid JSON: " + parse_error_reason(error));
    }
    const std::string want(reports::report_schema_id);
    if (!document.is_object())
        throw UsageError(path + ": a JSON " + std::string(document.type_name()) +
                         ", not a report.json object");
    auto schema = document.find("schema");
    if (schema == document.end() || !schema->is_string() || schema->get<std::string>() != want)
        throw UsageError(
            path + ": \"schema\" is " +
            (schema == document.end()
                 ? std::string("missing")
                 : schema->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
            ", want \"" + want + "\" (a report.json of relaylab run)");
    return document;
}

int compare(const ParsedArgs& args) {
    const auto out = args.get("--out");
    if (!out || out->empty()) throw UsageError("--out DIR is required");
    const std::vector<std::string> files(args.positional().begin() + 1, args.positional().end());
    if (files.empty()) throw UsageError("compare needs at least one RUN.json");
    const std::vector<std::string> labels = args.all("--label");
    if (!labels.empty() && labels.size() != files.size())
        throw UsageError(std::to_string(labels.size()) + " --label for " +
                         std::to_string(files.size()) +
                         " RUN.json files: give one per file, in the same order, or none");
    for (const auto& label : labels) {
        if (label.empty()) throw UsageError("--label: an empty name cannot head a column");
    }

    std::vector<nlohmann::json> documents;
    documents.reserve(files.size());
    for (const auto& file : files)
        documents.push_back(read_report(file));

    nlohmann::json comparison;
    try {
        comparison = reports::compare_reports(documents, labels);
    } catch (const std::invalid_argument& error) {
        throw UsageError(error.what());
    }
    for (std::size_t i = 0; i < files.size(); ++i)
        comparison["runs"][i]["file"] = files[i];

    const std::filesystem::path dir(*out);
    try {
        // Labels come from argv and may be any bytes: replaced, not a type_error, when not UTF-8.
        reports::write_report_file(
            dir, "compare.json",
            comparison.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        reports::write_report_file(dir, "compare.html", reports::render_compare_html(comparison));
    } catch (const std::runtime_error& error) {
        throw UsageError(std::string("--out: ") + error.what());
    }
    std::cout << (dir / "compare.json").string() << '\n' << (dir / "compare.html").string() << '\n';
    return exit_ok;
}

}  // namespace

int report_main(const Args& args) {
    return run_command(spec(), args, [](const ParsedArgs& parsed) {
        const std::string& action = parsed.positional().at(0);
        if (action == "compare") return compare(parsed);
        throw UsageError("unknown action '" + action + "': want compare");
    });
}

}  // namespace relaylab::cli
