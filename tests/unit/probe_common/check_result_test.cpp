#include <catch2/catch.hpp>

#include "probes/common/check_result.hpp"

using namespace relaylab::probe;

TEST_CASE("verdict names round-trip and unknown ones are refused", "[probe]") {
    for (Verdict v : {Verdict::pass, Verdict::warn, Verdict::fail, Verdict::error}) {
        INFO(to_string(v));
        REQUIRE(parse_verdict(to_string(v)) == v);
    }
    CHECK_FALSE(parse_verdict("PASS"));
    CHECK_FALSE(parse_verdict(""));
}

TEST_CASE("worst orders fail over error over warn over pass", "[probe]") {
    CHECK(worst(Verdict::pass, Verdict::warn) == Verdict::warn);
    CHECK(worst(Verdict::warn, Verdict::error) == Verdict::error);
    CHECK(worst(Verdict::error, Verdict::fail) == Verdict::fail);
    CHECK(worst(Verdict::fail, Verdict::pass) == Verdict::fail);
    CHECK(worst(Verdict::pass, Verdict::pass) == Verdict::pass);
}

TEST_CASE("evidence is bounded in lines and in line length", "[probe]") {
    CheckResult result;
    result.add_evidence(std::string(max_evidence_line_octets + 50, 'x'));
    CHECK(result.evidence[0].size() == max_evidence_line_octets + 3);
    CHECK(result.evidence[0].ends_with("..."));
    for (std::size_t i = 0; i < 2 * max_evidence_lines; ++i)
        result.add_evidence("line");
    CHECK(result.evidence.size() == max_evidence_lines + 1);
    CHECK(result.evidence.back() == "... (more evidence left out)");
}

TEST_CASE("the report's JSON carries every check, the counts and the skipped groups", "[probe]") {
    ProbeReport report;
    report.target = "mx.example.test:25";
    report.address = "127.0.0.1";
    report.checks.push_back(make_result("tls.versions", Verdict::warn, "TLS 1.0 accepted",
                                        {"-- TLSv1 handshake completed"}));
    report.checks.push_back(make_result("open-relay", Verdict::pass, "refused"));
    report.checks.back().details["tricks"] = 11;
    report.skipped.push_back({"mta-sts", "needs --domain"});
    const auto json = to_json(report);
    CHECK(json["schema"] == "relaylab.probe/1");
    CHECK(json["checks"].size() == 2);
    CHECK(json["checks"][0]["verdict"] == "warn");
    CHECK(json["checks"][0]["evidence"][0] == "-- TLSv1 handshake completed");
    CHECK_FALSE(json["checks"][0].contains("details"));
    CHECK(json["checks"][1]["details"]["tricks"] == 11);
    CHECK(json["verdicts"]["warn"] == 1);
    CHECK(json["verdicts"]["pass"] == 1);
    CHECK(json["verdicts"]["fail"] == 0);
    CHECK(json["skipped"][0]["reason"] == "needs --domain");
    CHECK(json["passed"] == true);
}

TEST_CASE("exit code: 1 on a failure, else 3 when a check could not decide, else 0", "[probe]") {
    ProbeReport report;
    CHECK(exit_code_for(report) == 0);
    report.checks.push_back(make_result("banner", Verdict::warn, "slow"));
    CHECK(exit_code_for(report) == 0);
    report.checks.push_back(make_result("dnsbl", Verdict::error, "timed out"));
    CHECK(exit_code_for(report) == 3);
    report.checks.push_back(make_result("open-relay", Verdict::fail, "accepted"));
    CHECK(exit_code_for(report) == 1);
}
