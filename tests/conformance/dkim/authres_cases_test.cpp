// Authentication-Results cases from python-authres 1.2.0's doctests (RFC 5451/7601/8601
// examples), ../shared/testdata/authres-rfc8601/authres-cases.json, read in place.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "probes/auth/authres.hpp"
#include "tests/catch_main.hpp"
#include "tests/conformance/dkim/dkim_test_support.hpp"

namespace {

using namespace relaylab::auth;
namespace fs = std::filesystem;

const fs::path cases_file =
    relaylab::test::testdata_dir(RELAYLAB_TESTDATA_DIR) / "authres-rfc8601" / "authres-cases.json";
constexpr std::string_view field_name = "Authentication-Results:";

std::string strip_field_name(std::string text) {
    if (text.size() >= field_name.size() && iequals(text.substr(0, field_name.size()), field_name))
        text = text.substr(field_name.size());
    return std::string(trim_wsp(text));
}

AuthResResult result(std::string method, std::string value, std::string comment = "",
                     std::vector<AuthResProperty> properties = {},
                     std::optional<std::string> reason = std::nullopt) {
    AuthResResult r;
    r.method = std::move(method);
    r.result = std::move(value);
    r.comment = std::move(comment);
    r.properties = std::move(properties);
    r.reason = std::move(reason);
    return r;
}

AuthResProperty prop(std::string ptype, std::string name, std::string value,
                     std::string comment = "") {
    return AuthResProperty{std::move(ptype), std::move(name), std::move(value), std::move(comment)};
}

// The doctests' Python objects, by doctest line, rebuilt with relaylab's model.
std::map<int, AuthenticationResults> generation_inputs() {
    std::map<int, AuthenticationResults> in;
    auto header = [](std::string id, std::vector<AuthResResult> results) {
        AuthenticationResults h;
        h.authserv_id = std::move(id);
        h.results = std::move(results);
        return h;
    };
    in[23] = header("test.example.org", {});
    in[23].version = 1;
    in[28] = header("test.example.org", {});
    in[28].none_comment = "SPF not checked for localhost";
    in[155] = header(
        "example.com",
        {result("dkim", "pass", "good signature", {prop("header", "d", "mail-router.example.net")}),
         result("dkim", "fail", "bad signature", {prop("header", "d", "newyork.example.com")})});
    in[169] = header(
        "example.com",
        {result("dkim", "pass", "good signature",
                {prop("header", "d", "mail-router.example.net"), prop("header", "a", "rsa-sha256"),
                 prop("header", "s", "default")}),
         result("dkim", "fail", "bad signature", {prop("header", "d", "newyork.example.com")})});
    in[183] =
        header("relay02.example.org",
               {result("dkim", "pass", "Good 256 bit ed25519-sha256 signature.",
                       {prop("header", "d", "example.com"), prop("header", "i", "@example.com"),
                        prop("header", "a", "ed25519-sha256")}),
                result("dkim", "fail", "Bad 1024 bit rsa-sha256 signature.",
                       {prop("header", "d", "example.com"), prop("header", "i", "@example.com"),
                        prop("header", "a", "rsa-sha256")})});
    in[226] = header("example.com",
                     {result("dkim", "pass", "", {prop("header", "d", "mail-router.example.net")},
                             "good signature"),
                      result("dkim", "fail", "", {prop("header", "d", "newyork.example.com")},
                             "bad signature")});
    in[273] = header("example.net", {result("dkim", "pass", "good signature",
                                            {prop("header", "i", "@newyork.example.com")})});
    in[557] =
        header("example.com",
               {result("spf", "pass", "", {prop("smtp", "mailfrom", "authenticated@example.net")}),
                result("spf", "none", "", {prop("smtp", "helo", "mailserver.example.net")},
                       "No SPF record for HELO")});
    in[566] = header(
        "example.com",
        {result("arc", "pass", "",
                {prop("header", "ams-d", "example.net"), prop("header", "ams-s", "valimail2016"),
                 prop("header", "as-d", "example.com"), prop("header", "as-s", "valimail2017"),
                 prop("header", "oldest-pass", "1"), prop("smtp", "remote-ip", "203.0.113.1")})});
    in[586] =
        header("example.com",
               {result("iprev", "pass", "",
                       {prop("policy", "iprev", "2001:db8:ea1::dead:beef", "yummy.example.net")})});
    in[618] =
        header("example.net", {result("smime", "fail", "certificate is revoked by CRL",
                                      {prop("body", "smime-identifier", "aliceDss@example.com"),
                                       prop("body", "smime-part", "2")})});
    in[645] =
        header("example.net", {result("rrvs", "fail", "Mail box expired.",
                                      {prop("smtp", "rrvs", "user@example.com",
                                            "These are not the droids you're looking for.")})});
    in[673] =
        header("example.com",
               {result("auth", "pass", "", {prop("smtp", "mailfrom", "mailauth@example.net")})});
    return in;
}

std::optional<nlohmann::json> load_cases() {
    auto text = relaylab::auth::test::read_file(cases_file);
    if (!text) return std::nullopt;
    return nlohmann::json::parse(*text);
}

std::string json_string_or_empty(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : std::string();
}

}  // namespace

TEST_CASE("authres cases: parsing agrees with python-authres", "[authres][conformance]") {
    auto cases = load_cases();
    if (!cases) {
        relaylab::test::skip_test(cases_file.string() +
                                  " is absent (../shared/testdata not available)");
        return;
    }
    std::size_t checked = 0;
    for (const auto& c : (*cases)["parse_cases"]) {
        std::string input = strip_field_name(c["input"].get<std::string>());
        AuthResParseResult parsed = parse_authentication_results(input);
        INFO("doctest line " << c["doctest_line"].get<int>() << ": " << input
                             << "\n  error: " << parsed.error);
        ++checked;
        if (c.contains("expect_error") && !c["expect_error"].is_null()) {
            CHECK_FALSE(parsed.header.has_value());
            CHECK_FALSE(parsed.error.empty());
            continue;
        }
        REQUIRE(parsed.header.has_value());
        const auto& want = c["authres_1_2_0_parse"];
        const AuthenticationResults& got = *parsed.header;
        CHECK(got.authserv_id == want["authserv_id"].get<std::string>());
        CHECK(got.version.has_value() == !want["version"].is_null());
        REQUIRE(got.results.size() == want["results"].size());
        for (std::size_t i = 0; i < got.results.size(); ++i) {
            const auto& w = want["results"][i];
            const AuthResResult& g = got.results[i];
            CHECK(g.method == w["method"].get<std::string>());
            CHECK(g.result == w["result"].get<std::string>());
            CHECK(g.reason.value_or("") == json_string_or_empty(w["reason"]));
            REQUIRE(g.properties.size() == w["properties"].size());
            for (std::size_t k = 0; k < g.properties.size(); ++k) {
                CHECK(g.properties[k].ptype == w["properties"][k]["type"].get<std::string>());
                CHECK(g.properties[k].property == w["properties"][k]["name"].get<std::string>());
                CHECK(g.properties[k].value == w["properties"][k]["value"].get<std::string>());
            }
        }
        // authres prints without comments; so does relaylab when asked to.
        CHECK(std::string(field_name) + " " + format_authentication_results(got, false) ==
              want["str"].get<std::string>());
    }
    CHECK(checked == 23);
}

TEST_CASE("authres cases: writing gives python-authres's exact header", "[authres][conformance]") {
    auto cases = load_cases();
    if (!cases) {
        relaylab::test::skip_test(cases_file.string() +
                                  " is absent (../shared/testdata not available)");
        return;
    }
    auto inputs = generation_inputs();
    std::size_t checked = 0;
    for (const auto& c : (*cases)["generation_cases"]) {
        int line = c["doctest_line"].get<int>();
        std::string want = c["want"].get<std::string>();
        want = want.substr(1, want.size() - 2);  // the doctest prints a Python string literal
        INFO("doctest line " << line << ": " << c["expr"].get<std::string>());
        REQUIRE(inputs.count(line) == 1);
        std::string got =
            std::string(field_name) + " " + format_authentication_results(inputs[line]);
        CHECK(got == want);
        // And the written header parses back to the same header.
        AuthResParseResult reparsed = parse_authentication_results(strip_field_name(want));
        REQUIRE(reparsed.header.has_value());
        CHECK(std::string(field_name) + " " + format_authentication_results(*reparsed.header) ==
              want);
        ++checked;
    }
    CHECK(checked == 13);
}
