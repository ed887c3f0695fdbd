// relaylab report compare RUN.json... --out DIR: several runs' report.json side by side
// (typically one scenario through the builtin relay, Postfix and a provider), written as
// compare.json for machines and compare.html for people.
// relaylab report merge SHARD.json... [--receiver URL]... --out DIR: the shards of one sharded
// run (`relaylab run --shard I/N`) merged into one report (reports/merge/shard_merge.hpp),
// optionally joined with what receivers captured, written as a run writes its report.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "harness/cli/commands.hpp"
#include "harness/http/http_fetch.hpp"
#include "harness/runner/runner.hpp"
#include "reports/merge/shard_merge.hpp"
#include "reports/report_writers.hpp"

namespace relaylab::cli {
namespace {

// A report of a 1,000,000-message run is a few hundred KiB (its timeline is per second, its
// histograms bounded); 64 MiB is far past any real one and still fits in memory several times.
constexpr std::uintmax_t max_report_file_bytes = 64 * 1024 * 1024;
// Columns a person can still read side by side; also bounds memory at 64 x 64 MiB of input.
constexpr std::size_t max_compared_runs = 64;
// A receiver's tracking answer: ranges, not ids, so a few MiB even for millions of messages.
constexpr std::size_t max_tracking_bytes = 64 * 1024 * 1024;
// Each receiver: resolving and connecting, then the whole answer.
constexpr auto receiver_connect_timeout = std::chrono::seconds(5);
constexpr auto receiver_response_timeout = std::chrono::seconds(10);

const CommandSpec& spec() {
    static const CommandSpec spec{
        .name = "report",
        .synopsis =
            "compare RUN.json... [--label NAME]... --out DIR\n"
            "       relaylab report merge SHARD.json... [--receiver URL]... --out DIR",
        .summary = "runs' report.json side by side (compare), a sharded run's merged (merge)",
        .description =
            "compare reads each RUN.json (a report.json of `relaylab run`, schema\n"
            "relaylab.report/1) and writes DIR/compare.json and DIR/compare.html: totals,\n"
            "throughput, submission and end-to-end latency percentiles, SPF/DKIM/DMARC pass\n"
            "ratios and expectation counts, one column per run. Each --label names the column\n"
            "of the RUN.json at the same position (default: scenario and relay of the run).\n"
            "A file that is missing, too large, not JSON or not a report exits 2 naming it.\n"
            "\n"
            "merge reads the report.json of each shard of one run (`relaylab run --shard I/N`)\n"
            "and writes DIR/report.json, report.html and junit.xml for the whole run: totals\n"
            "summed, percentiles from the shards' histograms added together, the timeline on\n"
            "wall-clock seconds, the expectations judged again on the merged figures. Each\n"
            "--receiver URL (a fake MX's API, e.g. http://fake-mx:8025) is asked for\n"
            "URL/api/v1/tracking?run_id=RUN: which tracking ids arrived, joined per shard.\n"
            "Exit 0: every expectation held; 1: one failed; 2: refused (shards of different\n"
            "runs, an index twice, not a shard report), nothing written; 3: a shard is missing\n"
            "or broke, or a receiver could not be asked (the reports are written without the\n"
            "receiver join and say why).",
        .options =
            {
                {"--out", "DIR", "where to write the files (created)"},
                {"--label", "NAME", "compare: a column's name, one per RUN.json, in order", true},
                {"--receiver", "URL",
                 "merge: a receiver's API whose captured tracking ids are joined", true},
            },
        .min_positional = 1,
        .max_positional = 1 + reports::max_merged_shards,
        .positional_name = "compare RUN.json... | merge SHARD.json...",
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
    if (files.size() > max_compared_runs)
        throw UsageError(std::to_string(files.size()) + " RUN.json files: compare takes at most " +
                         std::to_string(max_compared_runs));
    if (!args.all("--receiver").empty()) throw UsageError("--receiver is merge's, not compare's");
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

// RFC 3986 2.3: the unreserved characters pass, everything else is %XX.
std::string query_escaped(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        }
    }
    return out;
}

// Asks every receiver at once; one that cannot be asked comes back with `error` set (the
// merge then leaves the join out and exits 3), never as an exception.
std::vector<reports::ReceiverCapture> fetch_receivers(const std::vector<std::string>& urls,
                                                      const std::string& run_id) {
    namespace asio = boost::asio;
    std::vector<reports::ReceiverCapture> captures(urls.size());
    asio::io_context io;
    // Plain HTTP is the usual (a Service inside the cluster); https verifies against the
    // system's roots.
    auto tls = http::make_verifying_client_context("");
    for (std::size_t i = 0; i < urls.size(); ++i) {
        std::string base = urls[i];
        while (!base.empty() && base.back() == '/')
            base.pop_back();
        captures[i].source = urls[i];
        const std::string url = base + "/api/v1/tracking?run_id=" + query_escaped(run_id);
        asio::co_spawn(
            io,
            [&, i, url]() -> asio::awaitable<void> {
                http::FetchOptions options;
                options.accept = "application/json";
                options.timeouts.connect = receiver_connect_timeout;
                options.timeouts.handshake = receiver_connect_timeout;
                options.timeouts.response = receiver_response_timeout;
                options.limits.max_body_bytes = max_tracking_bytes;
                const http::HttpsResult result =
                    co_await http::fetch_url(io.get_executor(), *tls, url, options);
                reports::ReceiverCapture& capture = captures[i];
                if (!result.ok()) {
                    capture.error = result.text();
                    co_return;
                }
                if (result.response->status != 200) {
                    capture.error = "answered " + result.response->status_line;
                    co_return;
                }
                try {
                    capture.tracking = nlohmann::json::parse(result.response->body);
                } catch (const nlohmann::json::parse_error& error) {
                    capture.error =
                        "answered with something that is not JSON: " + parse_error_reason(error);
                }
            },
            [&, i](std::exception_ptr e) {
                if (!e) return;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& error) {
                    captures[i].error = error.what();
                }
            });
    }
    io.run();
    return captures;
}

int merge(const ParsedArgs& args) {
    const auto out = args.get("--out");
    if (!out || out->empty()) throw UsageError("--out DIR is required");
    if (!args.all("--label").empty()) throw UsageError("--label is compare's, not merge's");
    const std::vector<std::string> files(args.positional().begin() + 1, args.positional().end());
    if (files.empty()) throw UsageError("merge needs the shards' report.json files");
    const std::vector<std::string> urls = args.all("--receiver");
    for (const auto& url : urls) {
        if (auto parsed = http::parse_http_url(url); !parsed.url)
            throw UsageError("--receiver " + url + ": " + parsed.error);
    }

    std::vector<reports::ShardReport> shards;
    shards.reserve(files.size());
    for (const auto& file : files)
        shards.push_back({file, read_report(file)});

    // The run id to ask for: every shard's must agree, which the merge checks; the first's
    // is asked for, and an answer for another run is refused there.
    std::vector<reports::ReceiverCapture> captures;
    if (!urls.empty()) {
        auto run_id = shards.front().report.find("run_id");
        captures =
            fetch_receivers(urls, run_id != shards.front().report.end() && run_id->is_string()
                                      ? run_id->get<std::string>()
                                      : std::string());
    }

    reports::MergeResult result;
    try {
        result = reports::merge_shard_reports(shards, captures);
    } catch (const reports::MergeError& error) {
        throw UsageError(error.what());
    }

    const std::filesystem::path dir(*out);
    try {
        reports::write_report_file(
            dir, "report.json",
            result.report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        reports::write_report_file(dir, "report.html", reports::render_html(result.report));
        reports::write_report_file(dir, "junit.xml", reports::render_junit(result.report));
    } catch (const std::runtime_error& error) {
        throw UsageError(std::string("--out: ") + error.what());
    }
    // One line per problem (the merged error joins them with "; "), then where the files are.
    if (result.report["error"].is_string()) {
        const std::string error = result.report["error"].get<std::string>();
        std::size_t from = 0;
        while (from <= error.size()) {
            const std::size_t end = std::min(error.find("; ", from), error.size());
            std::cerr << "relaylab report merge: " << error.substr(from, end - from) << "\n";
            from = end + 2;
        }
    }
    for (const auto& expectation : result.report["expectations"])
        if (expectation.value("passed", false) == false)
            std::cerr << "relaylab report merge: expectation failed: "
                      << expectation.value("expected", std::string()) << " (got "
                      << expectation.value("actual", std::string()) << ")\n";
    std::cout << runner::format_summary(result.report) << "  reports    "
              << (dir / "report.html").string() << ", " << (dir / "report.json").string() << ", "
              << (dir / "junit.xml").string() << std::endl;
    return result.exit_code;
}

}  // namespace

int report_main(const Args& args) {
    return run_command(spec(), args, [](const ParsedArgs& parsed) {
        const std::string& action = parsed.positional().at(0);
        if (action == "compare") return compare(parsed);
        if (action == "merge") return merge(parsed);
        throw UsageError("unknown action '" + action + "': want compare or merge");
    });
}

}  // namespace relaylab::cli
