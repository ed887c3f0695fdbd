// Verdict tables of mta-sts.record, mta-sts.policy, mta-sts.mx-match and tls-rpt from gathered
// facts, and the evidence they carry.
#include <catch2/catch.hpp>

#include <algorithm>

#include "probes/transport/mta_sts_judge.hpp"

using namespace relaylab::probe;

namespace {

const char* good_policy =
    "version: STSv1\r\nmode: enforce\r\nmx: *.example.test\r\nmax_age: 604800\r\n";

TxtFacts txt(TxtFacts::Outcome outcome, std::vector<std::string> records = {},
             std::string failure = "") {
    TxtFacts facts;
    facts.name = "_mta-sts.example.test";
    facts.outcome = outcome;
    facts.records = std::move(records);
    facts.failure = std::move(failure);
    return facts;
}

PolicyFetchFacts fetched(unsigned status, std::string content_type, std::string body) {
    PolicyFetchFacts facts;
    facts.url = "https://mta-sts.example.test/.well-known/mta-sts.txt";
    facts.responded = true;
    facts.status = status;
    facts.status_line = "HTTP/1.1 " + std::to_string(status);
    facts.content_type = std::move(content_type);
    facts.body = std::move(body);
    facts.tls_version = "TLSv1.3";
    return facts;
}

bool has_line(const CheckResult& result, const std::string& line) {
    return std::find(result.evidence.begin(), result.evidence.end(), line) != result.evidence.end();
}

}  // namespace

TEST_CASE("mta-sts.record verdicts", "[mta-sts][judge]") {
    using O = TxtFacts::Outcome;
    struct Case {
        const char* label;
        TxtFacts facts;
        Verdict want;
    };
    auto c = GENERATE(values<Case>({
        {"one valid record", txt(O::found, {"v=spf1 -all", "v=STSv1; id=1"}), Verdict::pass},
        {"nxdomain", txt(O::absent, {}, "nxdomain"), Verdict::warn},
        {"only other TXT", txt(O::found, {"v=spf1 -all"}), Verdict::warn},
        {"two STSv1 records", txt(O::found, {"v=STSv1; id=1", "v=STSv1; id=2"}), Verdict::fail},
        {"malformed", txt(O::found, {"v=STSv1; id=bad-id"}), Verdict::fail},
        {"servfail", txt(O::failed, {}, "servfail"), Verdict::error},
    }));
    INFO(c.label);
    std::optional<StsRecord> record;
    CheckResult result = judge_sts_record(c.facts, record);
    CHECK(result.name == "mta-sts.record");
    CHECK(result.verdict == c.want);
    CHECK(record.has_value() == (c.want == Verdict::pass));
    CHECK_FALSE(result.explanation.empty());
    CHECK_FALSE(result.evidence.empty());
}

TEST_CASE("mta-sts.record evidence is the TXT records, control octets visible",
          "[mta-sts][judge]") {
    std::optional<StsRecord> record;
    auto result = judge_sts_record(txt(TxtFacts::Outcome::found, {"v=STSv1; id=1\n"}), record);
    CHECK(has_line(result, "TXT _mta-sts.example.test \"v=STSv1; id=1<LF>\""));
}

TEST_CASE("mta-sts.policy verdicts", "[mta-sts][judge]") {
    struct Case {
        const char* label;
        PolicyFetchFacts facts;
        Verdict want;
        const char* want_words;
    };
    PolicyFetchFacts down;
    down.url = "https://mta-sts.example.test/.well-known/mta-sts.txt";
    down.failure = "connection refused (127.0.0.1:443)";
    PolicyFetchFacts redirect = fetched(301, "text/html", "moved");
    redirect.location = "https://elsewhere.example/";
    auto c = GENERATE_COPY(values<Case>({
        {"enforce", fetched(200, "text/plain", good_policy), Verdict::pass, "enforce"},
        {"charset parameter", fetched(200, "text/plain; charset=utf-8", good_policy), Verdict::pass,
         "enforce"},
        {"testing",
         fetched(200, "text/plain",
                 "version: STSv1\nmode: testing\nmx: *.example.test\nmax_age: 604800\n"),
         Verdict::warn, "testing"},
        {"none", fetched(200, "text/plain", "version: STSv1\nmode: none\nmax_age: 604800\n"),
         Verdict::warn, "none"},
        {"short max_age",
         fetched(200, "text/plain",
                 "version: STSv1\nmode: enforce\nmx: *.example.test\nmax_age: 60\n"),
         Verdict::warn, "under a day"},
        {"unreachable", down, Verdict::fail, "connection refused"},
        {"redirect", redirect, Verdict::fail, "redirects"},
        {"404", fetched(404, "text/plain", "not found"), Verdict::fail, "instead of 200"},
        {"html", fetched(200, "text/html", good_policy), Verdict::fail, "text/plain"},
        {"invalid policy", fetched(200, "text/plain", "version: STSv1\nmode: enforce\n"),
         Verdict::fail, "invalid"},
    }));
    INFO(c.label);
    std::optional<StsPolicy> policy;
    CheckResult result = judge_sts_policy(c.facts, policy);
    CHECK(result.name == "mta-sts.policy");
    CHECK(result.verdict == c.want);
    CHECK_THAT(result.explanation, Catch::Contains(c.want_words));
    CHECK(has_line(result, "GET " + c.facts.url));
}

TEST_CASE("mta-sts.policy evidence: status line and the policy text", "[mta-sts][judge]") {
    std::optional<StsPolicy> policy;
    auto result = judge_sts_policy(fetched(200, "text/plain", good_policy), policy);
    REQUIRE(policy);
    CHECK(has_line(result, "HTTP/1.1 200"));
    CHECK(has_line(result, "Content-Type: text/plain"));
    CHECK(has_line(result, "| mode: enforce"));
    CHECK(has_line(result, "| mx: *.example.test"));
    CHECK(result.details["policy"]["mode"] == "enforce");
}

TEST_CASE("mta-sts.mx-match verdicts", "[mta-sts][judge]") {
    StsPolicy enforce;
    enforce.mode = StsMode::enforce;
    enforce.mx = {"*.example.test", "backup.example.net"};
    StsPolicy testing = enforce;
    testing.mode = StsMode::testing;

    MxFacts covered;
    covered.hosts = {{10, "mx1.example.test"}, {20, "backup.example.net"}};
    MxFacts stray = covered;
    stray.hosts.emplace_back(30, "mx.other.example");
    MxFacts deep;
    deep.hosts = {{10, "a.b.example.test"}};
    MxFacts failed;
    failed.failed = true;
    failed.failure = "servfail";
    MxFacts null_mx;
    null_mx.null_mx = true;

    struct Case {
        const char* label;
        StsPolicy policy;
        MxFacts mx;
        Verdict want;
    };
    auto c = GENERATE_COPY(values<Case>({
        {"all covered", enforce, covered, Verdict::pass},
        {"one stray under enforce", enforce, stray, Verdict::fail},
        {"one stray under testing", testing, stray, Verdict::warn},
        {"wildcard is one label only", enforce, deep, Verdict::fail},
        {"MX lookup failed", enforce, failed, Verdict::error},
        {"null MX", enforce, null_mx, Verdict::warn},
    }));
    INFO(c.label);
    CheckResult result = judge_sts_mx_match("example.test", c.policy, c.mx);
    CHECK(result.name == "mta-sts.mx-match");
    CHECK(result.verdict == c.want);
}

TEST_CASE("mta-sts.mx-match names the uncovered host", "[mta-sts][judge]") {
    StsPolicy enforce;
    enforce.mode = StsMode::enforce;
    enforce.mx = {"mx1.example.test"};
    MxFacts mx;
    mx.hosts = {{10, "mx1.example.test"}, {20, "mx2.example.test"}};
    auto result = judge_sts_mx_match("example.test", enforce, mx);
    CHECK(result.verdict == Verdict::fail);
    CHECK_THAT(result.explanation, Catch::Contains("mx2.example.test"));
    CHECK(has_line(result, "MX example.test 20 mx2.example.test -> matches no pattern"));
    CHECK(result.details["hosts"][0]["pattern"] == "mx1.example.test");
    CHECK(result.details["hosts"][1]["pattern"].is_null());
}

TEST_CASE("tls-rpt verdicts", "[tls-rpt][judge]") {
    using O = TxtFacts::Outcome;
    struct Case {
        const char* label;
        TxtFacts facts;
        Verdict want;
    };
    auto c = GENERATE(values<Case>({
        {"valid", txt(O::found, {"v=TLSRPTv1; rua=mailto:tlsrpt@example.test"}), Verdict::pass},
        {"missing", txt(O::absent, {}, "nxdomain"), Verdict::warn},
        {"other TXT only", txt(O::found, {"v=spf1 -all"}), Verdict::warn},
        {"malformed", txt(O::found, {"v=TLSRPTv1; rua=ftp://x"}), Verdict::fail},
        {"no rua", txt(O::found, {"v=TLSRPTv1;"}), Verdict::fail},
        {"two records",
         txt(O::found,
             {"v=TLSRPTv1; rua=mailto:a@b.example", "v=TLSRPTv1; rua=mailto:c@d.example"}),
         Verdict::fail},
        {"timeout", txt(O::failed, {}, "timeout"), Verdict::error},
    }));
    INFO(c.label);
    CheckResult result = judge_tls_rpt(c.facts);
    CHECK(result.name == "tls-rpt");
    CHECK(result.verdict == c.want);
    CHECK_FALSE(result.evidence.empty());
}
