// A scenario's expectations: predicates over report fields, in a small grammar (README,
// "Expectations"), judged against the finished report.json.
//
//   expectation := path comparison number
//                | path "/" path comparison number          (a ratio of two fields)
//   comparison  := "<" | "<=" | ">" | ">=" | "==" | "!="
//   path        := key ( "." key | "[" selector "]" )*
//   key         := [A-Za-z0-9_]+
//   selector    := any text without "]"  — an array entry whose "domain" (or "name") equals it,
//                  or an object key that holds dots ("tls.versions[TLSv1.3]")
//
//   totals.lost == 0
//   latency_ms.end_to_end.p99 < 2000
//   auth.dmarc.pass / totals.delivered >= 0.99
//   domains[gmail.test].deferred > 0
//
// A count that was never seen is 0: a missing key in an object of counts (auth.dmarc.fail
// with no failure, domains[x] for a domain that got nothing) reads 0, so an expectation does
// not fail for lack of an event it requires to be absent. A path that leads into a value that
// is not a number (or not there in a way 0 cannot mean) fails the expectation, saying so.
// A ratio with a zero denominator fails ("undefined: totals.delivered is 0").
//
// Sans-I/O, no sockets: depends on nlohmann/json only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace relaylab::reports {

inline constexpr std::size_t max_expectation_length = 1000;

enum class Comparison { less, less_equal, greater, greater_equal, equal, not_equal };
std::string_view to_string(Comparison comparison);  // "<", "<=", ...

// One step of a path: a key (".totals") or a selector ("[gmail.test]").
struct PathStep {
    std::string text;
    bool selector = false;
};

struct Expectation {
    std::string name;  // given in the scenario, else the text itself
    std::string text;  // as written, normalised spacing: "totals.lost == 0"
    std::vector<PathStep> numerator;
    std::vector<PathStep> denominator;  // empty: not a ratio
    Comparison comparison = Comparison::equal;
    double threshold = 0;
};

// nullopt with `error` set ("expected a comparison after 'totals.lost', got '=' at column
// 13") when the text does not parse. The top-level key must be one of report.json's.
std::optional<Expectation> parse_expectation(std::string_view text, std::string* error);

struct ExpectationResult {
    std::string name;
    std::string expected;  // "totals.lost == 0"
    std::string actual;    // "3" or "0.9712 (9712 / 10000)" or "undefined: totals.delivered is 0"
    std::optional<double> value;  // the number compared, when there was one
    bool passed = false;
};

// Judges one expectation against a report (report.json's document, `expectations` not needed).
ExpectationResult evaluate(const Expectation& expectation, const nlohmann::json& report);

// `expectations` as report.json writes them: [{"name","expected","actual","passed"}].
nlohmann::json to_json(const std::vector<ExpectationResult>& results);

}  // namespace relaylab::reports
