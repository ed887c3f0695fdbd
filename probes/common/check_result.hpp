// What a probe check concludes: a verdict, a one-line explanation and the evidence behind it
// (the exact dialogue lines or DNS records), plus structured details for machines. The probe
// report (`relaylab probe --json`, report.json) is a list of these; schema "relaylab.probe/1".
// Sans-I/O: nlohmann/json only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace relaylab::probe {

// pass: the server does the right thing; warn: allowed but weak or unusual (TLS 1.0 accepted,
// no MTA-STS); fail: a security or interoperability fault (open relay, end of data accepted at
// <LF>.<LF>, expired certificate); error: the check could not decide (connection refused,
// timeout, garbage), with the reason in the explanation.
enum class Verdict { pass, warn, fail, error };
std::string_view to_string(Verdict verdict);
std::optional<Verdict> parse_verdict(std::string_view text);
// fail > error > warn > pass: what a group of results amounts to.
Verdict worst(Verdict a, Verdict b);

// Bounds on what one result carries, so a server that talks without end cannot grow a report.
inline constexpr std::size_t max_evidence_lines = 400;
inline constexpr std::size_t max_evidence_line_octets = 1000;

struct CheckResult {
    std::string name;  // "<group>" or "<group>.<aspect>": "tls.versions", "open-relay.percent-hack"
    Verdict verdict = Verdict::error;
    std::string explanation;            // one line, for people
    std::vector<std::string> evidence;  // "S: 220 mx.example ESMTP", "C: EHLO ...", "TXT ..."
    nlohmann::json details = nlohmann::json::object();  // structured facts per check

    // Appends a line (cut at max_evidence_line_octets; past max_evidence_lines, one "..." line).
    void add_evidence(std::string line);
    void add_evidence(const std::vector<std::string>& lines);
};

// "a, b, c": names listed in a one-line explanation.
std::string comma_list(const std::vector<std::string>& items);

CheckResult make_result(std::string name, Verdict verdict, std::string explanation,
                        std::vector<std::string> evidence = {});

// A check group that was selected by default but could not run (a needed option is missing),
// or not selected: listed in the report so that silence is not read as a pass.
struct SkippedCheck {
    std::string name;
    std::string reason;  // "needs --domain"
};

struct ProbeReport {
    std::string target;   // "HOST:PORT" as given
    std::string address;  // the IP address probed
    std::string domain;   // --domain, or empty
    std::string relaylab_version;
    std::string started_at;  // RFC 3339, UTC
    double duration_s = 0;
    std::vector<CheckResult> checks;
    std::vector<SkippedCheck> skipped;
};

inline constexpr std::string_view probe_report_schema = "relaylab.probe/1";

nlohmann::json to_json(const CheckResult& result);
nlohmann::json to_json(const ProbeReport& report);

// 1 when a check failed; else 3 when a check could not decide; else 0 (the CLI contract's
// exit codes: 1 an expectation failed, 3 the run itself broke).
int exit_code_for(const ProbeReport& report);

}  // namespace relaylab::probe
