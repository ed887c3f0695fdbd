// The ARC test suite (ValiMail arc_test_suite, ../shared/testdata/arc): every validation case
// gives the expected cv, every signing case produces the expected ARC set byte for byte
// (whitespace aside, as the suite's README allows). The YAML is converted to JSON at test time
// by Debian's python3-yaml; nothing is copied into the project.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "probes/auth/arc_seal.hpp"
#include "probes/auth/arc_verify.hpp"
#include "tests/catch_main.hpp"
#include "tests/conformance/dkim/dkim_test_support.hpp"

namespace {

using namespace relaylab::auth;
using relaylab::auth::test::MapDns;
namespace fs = std::filesystem;

const fs::path arc_dir = relaylab::test::testdata_dir(RELAYLAB_TESTDATA_DIR) / "arc";

// Cases where this implementation deliberately differs from the suite, with the reason.
// These three give an empty expected cv: each chain's newest ARC-Seal carries cv=fail, and
// RFC 8617 5.2 step 2 says such a chain's validation result is "fail"; relaylab says fail.
const std::map<std::string, std::string> not_followed = {
    {"cv_fail_i1_as_cv_fail", "expects an empty cv; RFC 8617 5.2 step 2 gives fail (cv=fail seal)"},
    {"cv_fail_i2_as1_fail",
     "expects an empty cv; RFC 8617 5.2 step 3 gives fail (i=1 seal cv=fail)"},
    {"cv_fail_i2_as2_fail", "expects an empty cv; RFC 8617 5.2 step 2 gives fail (cv=fail seal)"},
};

std::optional<nlohmann::json> load_suite(const std::string& file) {
    fs::path path = arc_dir / file;
    if (!fs::exists(path)) return std::nullopt;
    auto output = relaylab::auth::test::run_capture(
        "/usr/bin/python3 -c 'import sys, json, yaml; "
        "json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)' " +
        relaylab::auth::test::shell_quote(path.string()));
    if (output.status != 0) return std::nullopt;
    return nlohmann::json::parse(output.out);
}

MapDns zone_of(const nlohmann::json& scenario) {
    MapDns dns;
    for (const char* key : {"txt-records", "txt_records"}) {
        if (!scenario.contains(key)) continue;
        for (auto& [name, value] : scenario[key].items())
            dns.add(name, value.get<std::string>());
    }
    return dns;
}

std::string no_space(std::string_view text) {
    std::string out;
    for (char c : text)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
    return out;
}

bool skip_reason(std::string& reason) {
    if (!fs::exists(arc_dir)) {
        reason = arc_dir.string() + " is absent (ARC suite not available)";
        return true;
    }
    if (!relaylab::auth::test::have_debian_python_module("yaml")) {
        reason = "/usr/bin/python3 has no yaml module (install python3-yaml)";
        return true;
    }
    return false;
}

}  // namespace

TEST_CASE("ARC validation suite: every case gives the expected cv", "[arc][conformance]") {
    std::string reason;
    if (skip_reason(reason)) {
        relaylab::test::skip_test(reason);
        return;
    }
    auto suite = load_suite("arc-draft-validation-tests.yml");
    REQUIRE(suite.has_value());
    std::size_t cases = 0, passed = 0;
    for (const auto& scenario : *suite) {
        MapDns dns = zone_of(scenario);
        for (auto& [name, test] : scenario["tests"].items()) {
            ++cases;
            std::string expected = to_lower(test["cv"].get<std::string>());
            std::string message =
                test["message"].is_string() ? test["message"].get<std::string>() : "";
            DkimVerifyOptions options;
            options.now = 12400;  // the suite's t=12345 signatures are not in the future
            ArcVerdict verdict = verify_arc(message, dns, options);
            std::string got(arc_result_name(verdict.result));
            if (not_followed.count(name)) {
                CHECK(got == "fail");
                WARN("case " << name << " deliberately not followed: " << not_followed.at(name));
                continue;
            }
            INFO("case " << name << ": " << test["description"].get<std::string>() << "\n  got cv="
                         << got << " (" << verdict.reason << "), want cv=" << expected);
            CHECK(got == expected);
            passed += got == expected;
        }
    }
    WARN("ARC validation: " << passed << "/" << cases << " cases as expected");
    CHECK(cases > 100);
}

TEST_CASE("ARC signing suite: every case seals as expected", "[arc][conformance]") {
    std::string reason;
    if (skip_reason(reason)) {
        relaylab::test::skip_test(reason);
        return;
    }
    auto suite = load_suite("arc-draft-sign-tests.yml");
    REQUIRE(suite.has_value());
    std::size_t cases = 0, passed = 0;
    for (const auto& scenario : *suite) {
        MapDns dns = zone_of(scenario);
        std::string key_error;
        auto key = PrivateKey::from_text(scenario["privatekey"].get<std::string>(), key_error);
        REQUIRE(key.has_value());
        for (auto& [name, test] : scenario["tests"].items()) {
            ++cases;
            ArcSealOptions options;
            options.domain = scenario["domain"].get<std::string>();
            options.selector = scenario["sel"].get<std::string>();
            options.authserv_id = test["srv-id"].get<std::string>();
            options.timestamp = test["t"].get<std::int64_t>();
            options.headers.clear();
            std::string list = test["sig-headers"].get<std::string>();
            for (std::size_t pos = 0; pos <= list.size();) {
                std::size_t colon = list.find(':', pos);
                if (colon == std::string::npos) colon = list.size();
                options.headers.push_back(list.substr(pos, colon - pos));
                pos = colon + 1;
            }
            DkimVerifyOptions verify_options;
            verify_options.now = 12400;
            ArcSealResult sealed =
                arc_seal(test["message"].get<std::string>(), *key, options, dns, verify_options);
            std::string want_as = no_space(test["AS"].get<std::string>());
            std::string want_ams = no_space(test["AMS"].get<std::string>());
            std::string want_aar = no_space(test["AAR"].get<std::string>());
            INFO("case " << name << ": " << test["description"].get<std::string>() << "\n  "
                         << sealed.reason << "\n  got AS  " << no_space(sealed.as) << "\n  want AS "
                         << want_as << "\n  got AMS  " << no_space(sealed.ams) << "\n  want AMS "
                         << want_ams << "\n  got AAR  " << no_space(sealed.aar) << "\n  want AAR "
                         << want_aar);
            bool ok = false;
            if (want_as.empty()) {
                ok = !sealed.sealed;
            } else {
                ok = sealed.sealed && no_space(sealed.as) == want_as &&
                     no_space(sealed.ams) == want_ams && no_space(sealed.aar) == want_aar;
            }
            CHECK(ok);
            passed += ok;
        }
    }
    WARN("ARC signing: " << passed << "/" << cases << " cases as expected");
    CHECK(cases >= 15);
}
