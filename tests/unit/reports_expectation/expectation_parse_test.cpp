// parse_expectation: the grammar's examples parse to the steps they name, and each kind of bad
// text is refused with a message naming what was expected, what was found and the column.
#include <catch2/catch.hpp>
#include <string>

#include "reports/expectation.hpp"

using namespace relaylab::reports;

namespace {

Expectation parse_ok(std::string_view text) {
    std::string error;
    auto parsed = parse_expectation(text, &error);
    INFO("text: " << text << "; error: " << error);
    REQUIRE(parsed);
    return *parsed;
}

std::string parse_error(std::string_view text) {
    std::string error;
    auto parsed = parse_expectation(text, &error);
    INFO("text: " << text);
    REQUIRE_FALSE(parsed);
    REQUIRE_FALSE(error.empty());
    return error;
}

std::vector<std::string> step_texts(const std::vector<PathStep>& steps) {
    std::vector<std::string> out;
    for (const auto& step : steps)
        out.push_back(step.selector ? "[" + step.text + "]" : step.text);
    return out;
}

}  // namespace

TEST_CASE("the grammar's examples parse to their steps, comparison and threshold") {
    SECTION("a field compared with a whole number") {
        auto e = parse_ok("totals.lost == 0");
        CHECK(step_texts(e.numerator) == std::vector<std::string>{"totals", "lost"});
        CHECK(e.denominator.empty());
        CHECK(e.comparison == Comparison::equal);
        CHECK(e.threshold == 0);
        CHECK(e.text == "totals.lost == 0");
        CHECK(e.name == e.text);
    }
    SECTION("a latency percentile") {
        auto e = parse_ok("latency_ms.end_to_end.p99 < 2000");
        CHECK(step_texts(e.numerator) ==
              std::vector<std::string>{"latency_ms", "end_to_end", "p99"});
        CHECK(e.comparison == Comparison::less);
        CHECK(e.threshold == 2000);
    }
    SECTION("a ratio of two fields") {
        auto e = parse_ok("auth.dmarc.pass / totals.delivered >= 0.99");
        CHECK(step_texts(e.numerator) == std::vector<std::string>{"auth", "dmarc", "pass"});
        CHECK(step_texts(e.denominator) == std::vector<std::string>{"totals", "delivered"});
        CHECK(e.comparison == Comparison::greater_equal);
        CHECK(e.threshold == 0.99);
    }
    SECTION("selectors keep their dots") {
        auto e = parse_ok("domains[gmail.test].deferred > 0");
        REQUIRE(e.numerator.size() == 3);
        CHECK(e.numerator[1].selector);
        CHECK(e.numerator[1].text == "gmail.test");
        CHECK_FALSE(e.numerator[2].selector);
        CHECK(e.numerator[2].text == "deferred");
        auto tls = parse_ok("tls.versions[TLSv1.3] / totals.delivered > 0.5");
        CHECK(step_texts(tls.numerator) ==
              std::vector<std::string>{"tls", "versions", "[TLSv1.3]"});
    }
}

TEST_CASE("every comparison operator is read, two-character ones whole") {
    struct Case {
        const char* text;
        Comparison comparison;
    };
    auto c = GENERATE(Case{"totals.lost < 1", Comparison::less},
                      Case{"totals.lost <= 1", Comparison::less_equal},
                      Case{"totals.lost > 1", Comparison::greater},
                      Case{"totals.lost >= 1", Comparison::greater_equal},
                      Case{"totals.lost == 1", Comparison::equal},
                      Case{"totals.lost != 1", Comparison::not_equal});
    auto e = parse_ok(c.text);
    CHECK(e.comparison == c.comparison);
    CHECK(e.text == c.text);
    CHECK(std::string(to_string(c.comparison)) ==
          std::string(c.text).substr(12, std::string(c.text).find(' ', 12) - 12));
}

TEST_CASE("spacing is normalised in the text, the number kept as written") {
    auto e = parse_ok("  totals.delivered>=300   ");
    CHECK(e.text == "totals.delivered >= 300");
    auto ratio = parse_ok("auth.dkim.pass/totals.delivered>=0.990");
    CHECK(ratio.text == "auth.dkim.pass / totals.delivered >= 0.990");
    CHECK(ratio.threshold == 0.99);
    CHECK(parse_ok("duration_s < 1.5e2").threshold == 150);
    CHECK(parse_ok("totals.lost > -1").threshold == -1);
    CHECK(parse_ok("totals.lost >= +2").threshold == 2);
}

TEST_CASE("bad expectations are refused with what was wrong and the column") {
    SECTION("empty or blank") {
        CHECK_THAT(parse_error(""), Catch::Contains("is empty"));
        CHECK_THAT(parse_error("   "), Catch::Contains("is empty"));
    }
    SECTION("longer than the limit") {
        std::string text = "totals.lost == " + std::string(max_expectation_length, '0');
        CHECK_THAT(parse_error(text), Catch::Contains("characters long, more than 1000"));
        // Exactly at the limit is still read.
        std::string at_limit = "totals.lost == ";
        at_limit += std::string(max_expectation_length - at_limit.size(), '0');
        CHECK_NOTHROW(parse_ok(at_limit));
    }
    SECTION("an unknown top-level field names the known ones") {
        auto error = parse_error("total.lost == 0");
        CHECK_THAT(error, Catch::Contains("unknown report field 'total'"));
        CHECK_THAT(error, Catch::Contains("totals"));
        CHECK_THAT(error, Catch::EndsWith("at column 1"));
        CHECK_THAT(
            parse_error("totals.delivered / deliverd >= 1"),
            Catch::Contains("unknown report field 'deliverd'") && Catch::EndsWith("at column 20"));
    }
    SECTION("a missing or mistyped comparison") {
        CHECK(parse_error("totals.lost = 0") ==
              "expected a comparison (<, <=, >, >=, ==, !=) after 'totals.lost', got '=' at "
              "column 13");
        CHECK_THAT(parse_error("totals.lost"),
                   Catch::Contains("got the end of the text at column 12"));
        CHECK_THAT(parse_error("totals.lost 0"), Catch::Contains("got '0' at column 13"));
        CHECK_THAT(parse_error("totals.lost <== 0"), Catch::Contains("got '<=='"));
        CHECK_THAT(parse_error("totals.lost => 0"), Catch::Contains("got '=>'"));
        CHECK_THAT(parse_error("auth.dmarc.pass / totals.delivered 0.99"),
                   Catch::Contains("after 'totals.delivered', got '0.99' at column 36"));
    }
    SECTION("a threshold that is not a number") {
        CHECK(parse_error("totals.lost == NaN") ==
              "expected a number after '==', got 'NaN' at column 16");
        CHECK_THAT(parse_error("totals.lost < nan"), Catch::Contains("got 'nan'"));
        CHECK_THAT(parse_error("totals.lost < inf"), Catch::Contains("got 'inf'"));
        CHECK_THAT(parse_error("totals.lost == \"zero\""),
                   Catch::Contains("expected a number after '==', got '\"zero\"' at column 16"));
        CHECK_THAT(parse_error("totals.lost == zero"), Catch::Contains("got 'zero'"));
        CHECK_THAT(parse_error("latency_ms.submit.p99 < 10ms"), Catch::Contains("got '10ms'"));
        CHECK_THAT(parse_error("totals.lost < 1e999"), Catch::Contains("got '1e999'"));
        CHECK_THAT(parse_error("totals.lost < 1e"), Catch::Contains("got '1e'"));
        CHECK_THAT(parse_error("totals.lost < ."), Catch::Contains("got '.'"));
        CHECK_THAT(parse_error("totals.lost <"),
                   Catch::Contains("got the end of the text at column 14"));
    }
    SECTION("text after the number") {
        CHECK(parse_error("totals.lost == 0 and more") ==
              "unexpected 'and' after the number at column 18");
        CHECK_THAT(parse_error("totals.lost == 0 0"), Catch::Contains("at column 18"));
    }
    SECTION("broken paths") {
        CHECK_THAT(parse_error("totals. == 0"),
                   Catch::Contains("after '.', got a space at column 8"));
        CHECK_THAT(parse_error("totals..lost == 0"), Catch::Contains("at column 8"));
        CHECK_THAT(parse_error("domains[gmail.test.deferred > 0"),
                   Catch::Contains("'[' is not closed by ']' at column 8"));
        CHECK_THAT(parse_error("domains[].deferred > 0"),
                   Catch::Contains("empty selector '[]' at column 8"));
        CHECK_THAT(parse_error("[gmail.test].deferred > 0"),
                   Catch::Contains("expected a report field") && Catch::Contains("at column 1"));
        CHECK_THAT(parse_error("totals.lost / == 0"),
                   Catch::Contains("after '/', got '==' at column 15"));
        CHECK_THAT(parse_error("auth.dkim.pass / totals.delivered / totals.submitted > 0"),
                   Catch::Contains("got '/' at column 35"));
    }
    SECTION("control characters: an expectation is one line") {
        CHECK_THAT(parse_error("totals.lost == 0\n"),
                   Catch::Contains("control character at column 17"));
        CHECK_THAT(parse_error(std::string("totals.lost\0 == 0", 17)),
                   Catch::Contains("column 12"));
    }
    SECTION("no error pointer is fine") {
        CHECK_FALSE(parse_expectation("nope", nullptr));
    }
}
