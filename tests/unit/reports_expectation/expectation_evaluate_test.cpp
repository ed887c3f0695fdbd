// evaluate: expectations judged against reports/examples/report.json's document: plain fields,
// ratios, selectors, counts never seen reading 0, and every way a value can be missing.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "reports/expectation.hpp"

using namespace relaylab::reports;

namespace {

const nlohmann::json& example_report() {
    static const nlohmann::json report = [] {
        std::ifstream in(RELAYLAB_EXAMPLE_REPORT);
        REQUIRE(in);
        return nlohmann::json::parse(in);
    }();
    return report;
}

ExpectationResult judge(std::string_view text, const nlohmann::json& report = example_report()) {
    std::string error;
    auto parsed = parse_expectation(text, &error);
    INFO(text << ": " << error);
    REQUIRE(parsed);
    return evaluate(*parsed, report);
}

}  // namespace

TEST_CASE("plain fields are compared and shown as they are") {
    auto lost = judge("totals.lost == 0");
    CHECK(lost.passed);
    CHECK(lost.actual == "0");
    CHECK(lost.expected == "totals.lost == 0");
    CHECK(lost.value == 0);

    auto p99 = judge("latency_ms.end_to_end.p99 < 2000");
    CHECK_FALSE(p99.passed);
    CHECK(p99.actual == "2250.7");
    CHECK(p99.value == 2250.7);

    CHECK(judge("totals.delivered == 1998").passed);
    CHECK_FALSE(judge("totals.delivered != 1998").passed);
    CHECK(judge("totals.delivered <= 1998").passed);
    CHECK_FALSE(judge("totals.delivered < 1998").passed);
    CHECK(judge("totals.delivered >= 1998").passed);
    CHECK_FALSE(judge("totals.delivered > 1998").passed);
    CHECK(judge("duration_s > 14.8").passed);
}

TEST_CASE("a ratio shows its value, numerator and denominator") {
    auto dmarc = judge("auth.dmarc.pass / totals.delivered >= 0.99");
    CHECK(dmarc.passed);
    CHECK(dmarc.actual == "1 (1998 / 1998)");
    CHECK(dmarc.value == 1);

    auto share = judge("domains[yahoo.test].delivered / totals.submitted < 0.19");
    CHECK_FALSE(share.passed);
    CHECK(share.actual == "0.199 (398 / 2000)");
}

TEST_CASE("selectors pick array entries by domain or name, and object keys with dots") {
    auto gmail = judge("domains[gmail.test].deferred > 0");
    CHECK(gmail.passed);
    CHECK(gmail.actual == "680");
    CHECK(judge("domains[outlook.test].deferred == 0").passed);
    CHECK(judge("domains[gmail.test].replies[451] == 680").passed);
    CHECK(judge("domains[gmail.test].replies.451 == 680").passed);
    CHECK(judge("tls.versions[TLSv1.3] == 1598").passed);
    CHECK(judge("world.mx[mx1.yahoo.test].accepted == 398").passed);
}

TEST_CASE("a count never seen reads 0") {
    auto fail = judge("auth.dmarc.fail == 0");
    CHECK(fail.passed);
    CHECK(fail.actual == "0");
    CHECK(judge("domains[nowhere.test].delivered == 0").passed);
    CHECK(judge("domains[nowhere.test].replies.550 == 0").passed);
    CHECK(judge("domains[outlook.test].replies.451 == 0").passed);
    CHECK(judge("replies.receivers.421 == 0").passed);
    CHECK(judge("tls.ciphers[TLS_CHACHA20_POLY1305_SHA256] == 0").passed);
    CHECK(judge("auth.spf.fail / totals.delivered == 0").actual == "0 (0 / 1998)");
    // A report without the section at all: nothing was counted.
    CHECK(judge("auth.dkim.fail == 0", nlohmann::json::object()).passed);
}

TEST_CASE("a value that is missing or not a number fails the expectation, saying why") {
    SECTION("a typo in a field of fixed shape is not read as 0") {
        auto typo = judge("totals.lsot == 0");
        CHECK_FALSE(typo.passed);
        CHECK_FALSE(typo.value);
        CHECK(typo.actual == "missing: no field 'lsot' in totals");
        CHECK(judge("latency_ms.submit.p95 < 100").actual ==
              "missing: no field 'p95' in latency_ms.submit");
        CHECK_FALSE(judge("auth.dmarx.pass == 0").passed);
    }
    SECTION("an unknown domain's field that is not a count") {
        auto unknown = judge("domains[nowhere.test].latency < 5");
        CHECK_FALSE(unknown.passed);
        CHECK(unknown.actual == "missing: no entry [nowhere.test] in domains");
    }
    SECTION("not a number") {
        auto object = judge("totals > 0");
        CHECK_FALSE(object.passed);
        CHECK(object.actual == "missing: totals is an object, not a number");
        CHECK(judge("traffic.rate > 0").actual == "missing: traffic.rate is null");
        CHECK(judge("passed == 1").actual == "missing: passed is a boolean, not a number");
        CHECK(judge("schema == 1").actual == "missing: schema is a string, not a number");
        CHECK(judge("totals.lost.x == 1").actual ==
              "missing: totals.lost is a number, not an object");
    }
    SECTION("an array needs a selector") {
        CHECK(judge("domains.delivered > 0").actual ==
              "missing: domains is an array: select an entry by its \"domain\" or \"name\", e.g. "
              "domains[gmail.test]");
    }
    SECTION("a ratio with a zero denominator is undefined") {
        auto report = example_report();
        report["totals"]["delivered"] = 0;
        auto ratio = judge("auth.dmarc.pass / totals.delivered >= 0.99", report);
        CHECK_FALSE(ratio.passed);
        CHECK_FALSE(ratio.value);
        CHECK(ratio.actual == "undefined: totals.delivered is 0");
        // Even "!=" does not pass on an undefined ratio.
        CHECK_FALSE(judge("auth.dmarc.pass / totals.delivered != 5", report).passed);
    }
    SECTION("a missing denominator") {
        CHECK(judge("totals.lost / totals.nothing == 0").actual ==
              "missing: no field 'nothing' in totals");
    }
}

TEST_CASE("rows are written as report.json's expectations") {
    auto named = judge("totals.lost == 0");
    named.name = "nothing lost";
    auto rows = to_json({named, judge("latency_ms.end_to_end.p99 < 2000")});
    auto want = nlohmann::json::parse(R"([
      {"name": "nothing lost", "expected": "totals.lost == 0", "actual": "0", "passed": true},
      {"name": "latency_ms.end_to_end.p99 < 2000", "expected": "latency_ms.end_to_end.p99 < 2000",
       "actual": "2250.7", "passed": false}])");
    CHECK(rows == want);
    CHECK(to_json({}) == nlohmann::json::array());
}
