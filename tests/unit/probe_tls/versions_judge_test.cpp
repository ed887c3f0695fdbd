// tls.versions: which sets of accepted protocol versions pass, warn, fail or cannot be judged.
#include <catch2/catch.hpp>

#include "probes/transport/tls_judge.hpp"

using namespace relaylab::probe;

namespace {

constexpr auto A = VersionOutcome::accepted;
constexpr auto R = VersionOutcome::refused;
constexpr auto U = VersionOutcome::undecided;

std::vector<VersionAttempt> attempts(VersionOutcome v10, VersionOutcome v11, VersionOutcome v12,
                                     VersionOutcome v13) {
    return {{"TLSv1.0", v10, ""}, {"TLSv1.1", v11, ""}, {"TLSv1.2", v12, ""}, {"TLSv1.3", v13, ""}};
}

}  // namespace

TEST_CASE("tls.versions verdicts by accepted set", "[probe][tls][versions]") {
    struct Case {
        const char* label;
        std::vector<VersionAttempt> attempts;
        Verdict want;
        const char* explanation_part;
    };
    const Case cases[] = {
        {"1.2 and 1.3 only", attempts(R, R, A, A), Verdict::pass, "TLS 1.0 and 1.1 refused"},
        {"1.3 only", attempts(R, R, R, A), Verdict::pass, "accepted: TLSv1.3"},
        {"1.2 only notes no 1.3", attempts(R, R, A, R), Verdict::pass, "TLS 1.3 not offered"},
        {"1.0 allowed", attempts(A, R, A, A), Verdict::warn, "TLSv1.0 accepted"},
        {"1.0 and 1.1 allowed", attempts(A, A, A, A), Verdict::warn, "RFC 8996"},
        {"only legacy", attempts(A, A, R, R), Verdict::fail, "neither TLS 1.2 nor TLS 1.3"},
        {"nothing at all", attempts(R, R, R, R), Verdict::fail, "accepted: none"},
        {"1.0 undecided", attempts(U, R, A, A), Verdict::error, "could not try TLSv1.0"},
        {"modern undecided", attempts(R, R, U, R), Verdict::error, "could not try TLSv1.2"},
        {"all undecided", attempts(U, U, U, U), Verdict::error, "could not try"},
    };
    for (const auto& c : cases) {
        CheckResult result = judge_versions(c.attempts);
        INFO(c.label << ": got " << to_string(result.verdict) << " \"" << result.explanation
                     << "\", want " << to_string(c.want));
        CHECK(result.name == "tls.versions");
        CHECK(result.verdict == c.want);
        CHECK(result.explanation.find(c.explanation_part) != std::string::npos);
        CHECK(result.evidence.size() == 4);
    }
}

TEST_CASE("tls.versions details list each version's outcome", "[probe][tls][versions]") {
    auto in = attempts(A, R, A, A);
    in[0].detail = "ECDHE-ECDSA-AES256-SHA";
    in[1].detail = "no TLS version in common";
    CheckResult result = judge_versions(in);
    CHECK(result.details["versions"]["TLSv1.0"]["outcome"] == "accepted");
    CHECK(result.details["versions"]["TLSv1.1"]["outcome"] == "refused");
    CHECK(result.details["accepted"] == nlohmann::json({"TLSv1.0", "TLSv1.2", "TLSv1.3"}));
    CHECK(result.evidence[1] == "TLSv1.1: refused (no TLS version in common)");
}
