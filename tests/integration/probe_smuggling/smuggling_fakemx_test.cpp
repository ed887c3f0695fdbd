// The "smuggling" group against relaylab's fake MX configured each way, and against nothing:
// every verdict is the one smuggling_judge.hpp promises for that receiver.
#include <catch2/catch.hpp>
#include <chrono>

#include "probe_world.hpp"
#include "probes/policy/smuggling_checks.hpp"
#include "probes/policy/smuggling_variants.hpp"

using relaylab::probe::CheckResult;
using relaylab::probe::has_bare_newline;
using relaylab::probe::smuggling_variants;
using relaylab::probe::to_string;
using relaylab::probe::Verdict;
using namespace relaylab::probe::testing;

namespace {

std::vector<CheckResult> probe(std::uint16_t port) {
    return run_group(relaylab::probe::run_smuggling_checks, port, loopback_options());
}

void check_every_variant(const std::vector<CheckResult>& results, Verdict with_bare_newline,
                         Verdict nul_only) {
    REQUIRE(results.size() == smuggling_variants().size() + 1);
    for (const auto& v : smuggling_variants()) {
        const auto& r = result_named(results, "smuggling." + std::string(v.name));
        const Verdict want = has_bare_newline(v.bytes) ? with_bare_newline : nul_only;
        INFO(r.name << ": got " << to_string(r.verdict) << " (" << r.explanation << "), want "
                    << to_string(want));
        CHECK(r.verdict == want);
        CHECK_FALSE(r.evidence.empty());
    }
}

}  // namespace

TEST_CASE("a fake MX refusing bare newlines passes", "[probe][smuggling]") {
    FakeMxHost host(R"({"bare_newline": "reject"})");
    auto results = probe(host.port());
    CHECK(results.front().name == "smuggling");
    check_every_variant(results, Verdict::pass, Verdict::pass);
    CHECK(results.front().verdict == Verdict::pass);
    const auto& lf = result_named(results, "smuggling.lf-dot-lf");
    CHECK(lf.details["outcome"] == "refused");
    CHECK(lf.details["final_reply"]["code"] == 550);
    // The evidence shows the look-alike's octets as they went.
    bool shown = false;
    for (const auto& line : lf.evidence)
        shown = shown || line.find("begin<LF>.<LF>") != std::string::npos;
    CHECK(shown);
}

TEST_CASE("a fake MX accepting bare newlines warns", "[probe][smuggling]") {
    FakeMxHost host(R"({"bare_newline": "accept"})");
    auto results = probe(host.port());
    check_every_variant(results, Verdict::warn, Verdict::pass);
    CHECK(results.front().verdict == Verdict::warn);
    CHECK(result_named(results, "smuggling.cr-dot-cr").details["outcome"] == "accepted");
    CHECK(host.mx.messages_accepted() == smuggling_variants().size());
}

TEST_CASE("a fake MX vulnerable to <LF>.<LF> fails that variant only", "[probe][smuggling]") {
    FakeMxHost host(R"({"bare_newline": "accept", "end_of_data": ["<LF>.<LF>"]})");
    auto results = probe(host.port());
    REQUIRE(results.size() == smuggling_variants().size() + 1);
    const auto& lf = result_named(results, "smuggling.lf-dot-lf");
    INFO(lf.explanation);
    CHECK(lf.verdict == Verdict::fail);
    CHECK(lf.details["outcome"] == "ends-data");
    CHECK(lf.details["early_reply"]["code"] == 250);
    // The NOOP after the look-alike ran as a command: the proof a mail engineer wants.
    CHECK(lf.details["smuggled_command_reply"]["code"] == 250);
    for (const auto& r : results) {
        if (r.name == "smuggling" || r.name == "smuggling.lf-dot-lf") continue;
        INFO(r.name << ": " << r.explanation);
        CHECK(r.verdict != Verdict::fail);
    }
    CHECK(results.front().verdict == Verdict::fail);
    CHECK_THAT(results.front().explanation, Catch::StartsWith("ends DATA at 1 of 14"));
}

TEST_CASE("a fake MX vulnerable to a bare-CR look-alike fails it", "[probe][smuggling]") {
    FakeMxHost host(R"({"bare_newline": "reject", "end_of_data": ["cr-dot-cr"]})");
    auto results = probe(host.port());
    const auto& cr = result_named(results, "smuggling.cr-dot-cr");
    INFO(cr.explanation);
    CHECK(cr.verdict == Verdict::fail);
    // With bare newlines refused, the early reply is the 550: still an end of data there.
    CHECK(cr.details["early_reply"]["code"] == 550);
    CHECK(result_named(results, "smuggling.lf-dot-lf").verdict == Verdict::pass);
}

TEST_CASE("nothing listening: one error, the rest not tried, no hang", "[probe][smuggling]") {
    const auto start = std::chrono::steady_clock::now();
    auto results = probe(free_port());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    REQUIRE(results.size() == 2);
    CHECK(results[0].verdict == Verdict::error);
    CHECK_THAT(results[0].explanation, Catch::Contains("connection refused"));
    CHECK(results[0].details["not_tried"].size() == smuggling_variants().size() - 1);
    CHECK(results[1].verdict == Verdict::error);
    CHECK(results[1].details["outcome"] == "not-submitted");
}

TEST_CASE("a recipient the server refuses is an error naming the refusal", "[probe][smuggling]") {
    FakeMxHost host(R"({"rules": [{"phase": "rcpt", "reply": "550 5.1.1 no such user"}]})");
    auto results = probe(host.port());
    CHECK(results[0].verdict == Verdict::error);
    CHECK_THAT(results[0].explanation, Catch::Contains("RCPT TO refused: 550 5.1.1"));
}
