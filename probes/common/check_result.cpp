#include "probes/common/check_result.hpp"

#include <algorithm>

namespace relaylab::probe {

std::string_view to_string(Verdict verdict) {
    switch (verdict) {
        case Verdict::pass:
            return "pass";
        case Verdict::warn:
            return "warn";
        case Verdict::fail:
            return "fail";
        case Verdict::error:
            return "error";
    }
    return "error";
}

std::optional<Verdict> parse_verdict(std::string_view text) {
    for (Verdict v : {Verdict::pass, Verdict::warn, Verdict::fail, Verdict::error}) {
        if (text == to_string(v)) return v;
    }
    return std::nullopt;
}

namespace {
int severity(Verdict verdict) {
    switch (verdict) {
        case Verdict::pass:
            return 0;
        case Verdict::warn:
            return 1;
        case Verdict::error:
            return 2;
        case Verdict::fail:
            return 3;
    }
    return 2;
}
}  // namespace

Verdict worst(Verdict a, Verdict b) {
    return severity(a) >= severity(b) ? a : b;
}

void CheckResult::add_evidence(std::string line) {
    if (evidence.size() > max_evidence_lines) return;
    if (evidence.size() == max_evidence_lines) {
        evidence.emplace_back("... (more evidence left out)");
        return;
    }
    if (line.size() > max_evidence_line_octets) {
        line.resize(max_evidence_line_octets);
        line += "...";
    }
    evidence.push_back(std::move(line));
}

void CheckResult::add_evidence(const std::vector<std::string>& lines) {
    for (const auto& line : lines)
        add_evidence(line);
}

std::string comma_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

CheckResult make_result(std::string name, Verdict verdict, std::string explanation,
                        std::vector<std::string> evidence) {
    CheckResult result;
    result.name = std::move(name);
    result.verdict = verdict;
    result.explanation = std::move(explanation);
    result.add_evidence(evidence);
    return result;
}

nlohmann::json to_json(const CheckResult& result) {
    nlohmann::json out = {
        {"name", result.name},
        {"verdict", to_string(result.verdict)},
        {"explanation", result.explanation},
        {"evidence", result.evidence},
    };
    if (!result.details.empty()) out["details"] = result.details;
    return out;
}

nlohmann::json to_json(const ProbeReport& report) {
    nlohmann::json checks = nlohmann::json::array();
    nlohmann::json counts = {{"pass", 0}, {"warn", 0}, {"fail", 0}, {"error", 0}};
    for (const auto& check : report.checks) {
        checks.push_back(to_json(check));
        counts[std::string(to_string(check.verdict))] =
            counts[std::string(to_string(check.verdict))].get<int>() + 1;
    }
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& skip : report.skipped) {
        skipped.push_back({{"name", skip.name}, {"reason", skip.reason}});
    }
    return {
        {"schema", probe_report_schema},
        {"relaylab_version", report.relaylab_version},
        {"target", report.target},
        {"address", report.address},
        {"domain", report.domain},
        {"started_at", report.started_at},
        {"duration_s", report.duration_s},
        {"verdicts", counts},
        {"passed", exit_code_for(report) == 0},
        {"checks", checks},
        {"skipped", skipped},
    };
}

int exit_code_for(const ProbeReport& report) {
    const bool failed =
        std::any_of(report.checks.begin(), report.checks.end(),
                    [](const CheckResult& c) { return c.verdict == Verdict::fail; });
    if (failed) return 1;
    const bool undecided =
        std::any_of(report.checks.begin(), report.checks.end(),
                    [](const CheckResult& c) { return c.verdict == Verdict::error; });
    return undecided ? 3 : 0;
}

}  // namespace relaylab::probe
