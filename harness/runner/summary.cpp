// The end-of-run summary printed to the terminal, k6-style: what ran, the totals, the rates,
// the latency, the verdicts, then every expectation with a check mark and its actual value.
#include <cmath>
#include <iomanip>
#include <sstream>

#include "harness/runner/runner.hpp"
#include "reports/human_format.hpp"

namespace relaylab::runner {

namespace {

std::string number(const nlohmann::json& value) {
    if (!value.is_number()) return "-";
    double v = value.get<double>();
    std::ostringstream out;
    // Whole numbers below 10^15 are exactly what format_count prints: "1,234,567".
    if (std::floor(v) == v && std::fabs(v) < 1e15) return reports::format_count(v);
    out << std::fixed << std::setprecision(v >= 100 ? 1 : 2) << v;
    return out.str();
}

const nlohmann::json& at(const nlohmann::json& doc, std::initializer_list<const char*> path) {
    static const nlohmann::json null_value;
    const nlohmann::json* node = &doc;
    for (const char* key : path) {
        if (!node->is_object() || !node->contains(key)) return null_value;
        node = &(*node)[key];
    }
    return *node;
}

std::string verdict_line(const nlohmann::json& report, const char* method) {
    const nlohmann::json& counts = at(report, {"auth", method});
    if (!counts.is_object() || counts.empty()) return {};
    std::uint64_t total = 0;
    for (const auto& [verdict, count] : counts.items())
        total += count.get<std::uint64_t>();
    std::uint64_t pass = counts.value("pass", std::uint64_t{0});
    return std::string(method) + " pass " + number(pass) + "/" + number(total);
}

}  // namespace

std::string format_summary(const nlohmann::json& report) {
    std::ostringstream out;
    const auto& totals = at(report, {"totals"});
    out << "\n  scenario   " << at(report, {"scenario", "name"}).get<std::string>() << " (run "
        << report.value("run_id", "") << "), " << at(report, {"relay", "kind"}).get<std::string>()
        << " relay at " << at(report, {"relay", "address"}).get<std::string>() << ", "
        << number(report["duration_s"]) << " s\n";
    out << "  messages   " << number(totals["submitted"]) << " submitted, "
        << number(totals["accepted"]) << " accepted, " << number(totals["rejected"])
        << " rejected\n";
    out << "             " << number(totals["delivered"]) << " delivered, "
        << number(totals["bounced"]) << " bounced, " << number(totals["lost"]) << " lost, "
        << number(totals["in_flight"])
        // Behind an external relay the run cannot see a queue: what it handed over and has not
        // seen arrive is in flight (a --send-only shard's messages, until the merge asks the
        // receivers).
        << (at(report, {"relay", "kind"}) == "external" ? " in flight, " : " still queued, ")
        << number(totals["duplicates"]) << " duplicates; " << number(totals["deferred"])
        << " deferrals at receivers\n";
    out << "  rates      " << number(at(report, {"throughput", "submit_per_s"})) << " accepted/s, "
        << number(at(report, {"throughput", "delivered_per_s"})) << " delivered/s\n";
    out << "  latency    submit p50 " << number(at(report, {"latency_ms", "submit", "p50"}))
        << " ms, p99 " << number(at(report, {"latency_ms", "submit", "p99"}))
        << " ms; end-to-end p50 " << number(at(report, {"latency_ms", "end_to_end", "p50"}))
        << " ms, p99 " << number(at(report, {"latency_ms", "end_to_end", "p99"})) << " ms\n";
    std::string verdicts;
    for (const char* method : {"spf", "dkim", "dmarc"}) {
        std::string line = verdict_line(report, method);
        if (line.empty()) continue;
        verdicts += (verdicts.empty() ? "" : ", ") + line;
    }
    if (!verdicts.empty()) out << "  auth       " << verdicts << "\n";
    if (report.contains("shards") && report["shards"].is_object()) {
        // A merged report (`relaylab report merge`): which shards it adds up.
        const auto& shards = report["shards"];
        out << "  shards     " << shards.value("merged", nlohmann::json::array()).size() << " of "
            << shards.value("count", 0) << " merged";
        for (const char* key : {"missing", "failed"}) {
            const auto& list = shards.value(key, nlohmann::json::array());
            if (!list.empty()) out << ", " << list.size() << " " << key;
        }
        if (shards.contains("receivers") && shards["receivers"].is_object())
            out << "; receivers saw " << number(shards["receivers"].value("distinct", 0))
                << " of the run's tracking ids";
        out << "\n";
    }
    if (!report["error"].is_null())
        out << "\n  RUN ERROR: " << report["error"].get<std::string>() << "\n";
    std::size_t failed = 0, total = 0;
    if (report.contains("expectations") && !report["expectations"].empty()) {
        out << "\n";
        for (const auto& e : report["expectations"]) {
            bool passed = e.value("passed", false);
            ++total;
            if (!passed) ++failed;
            std::string name = e.value("name", "");
            out << "  " << (passed ? "\u2713" : "\u2717") << " " << name;
            if (name.size() < 50) out << std::string(50 - name.size(), ' ');
            out << "  " << e.value("actual", "") << "\n";
        }
    }
    if (report.contains("shard") && report["shard"].is_object()) {
        // A shard's expectations are about the whole run: only the merge's verdict counts.
        out << "\n  SHARD " << report["shard"].value("index", 0) << " of "
            << report["shard"].value("count", 1) << " (" << (total - failed) << " of " << total
            << " expectations held on this part; `relaylab report merge` judges the run)\n";
        return out.str();
    }
    out << "\n  " << (report.value("passed", false) ? "PASSED" : "FAILED");
    if (total > 0) {
        out << " (" << (total - failed) << " of " << total << " expectations held)";
    }
    out << "\n";
    return out.str();
}

}  // namespace relaylab::runner
