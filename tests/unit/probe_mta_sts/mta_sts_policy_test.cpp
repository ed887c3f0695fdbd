// The MTA-STS policy file (RFC 8461 3.2) with CRLF and LF lines, its required fields and limits,
// the content type, and MX pattern matching (RFC 8461 4.1).
#include <catch2/catch.hpp>

#include "probes/transport/mta_sts_policy.hpp"

using namespace relaylab::probe;

TEST_CASE("the RFC 8461 3.2 example policy parses, CRLF or LF", "[mta-sts][policy]") {
    std::string crlf =
        "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
        "mx: backupmx.example.com\r\nmax_age: 604800\r\n";
    std::string lf = crlf;
    for (auto at = lf.find("\r\n"); at != std::string::npos; at = lf.find("\r\n"))
        lf.erase(at, 1);
    for (const std::string& text : {crlf, lf, lf.substr(0, lf.size() - 1)}) {
        auto parsed = parse_sts_policy(text);
        INFO(parsed.error);
        REQUIRE(parsed.policy);
        CHECK(parsed.policy->mode == StsMode::enforce);
        CHECK(parsed.policy->max_age == 604800);
        CHECK(parsed.policy->mx == std::vector<std::string>{"mail.example.com", "*.example.net",
                                                            "backupmx.example.com"});
    }
}

TEST_CASE("policies: required fields, values and limits", "[mta-sts][policy]") {
    struct Case {
        const char* label;
        std::string text;
        const char* want_error;  // empty: parses
    };
    const std::string head = "version: STSv1\nmode: enforce\n";
    auto c = GENERATE_COPY(values<Case>({
        {"testing", "version: STSv1\nmode: testing\nmx: a.example\nmax_age: 86400\n", ""},
        {"none without mx", "version: STSv1\nmode: none\nmax_age: 86400\n", ""},
        {"unknown field ignored", head + "mx: a.example\nmax_age: 1\nfoo: bar\n", ""},
        {"no space after colon", "version:STSv1\nmode:enforce\nmx:a.example\nmax_age:1\n", ""},
        {"max_age at the bound", head + "mx: a.example\nmax_age: 31557600\n", ""},
        {"max_age above the bound", head + "mx: a.example\nmax_age: 31557601\n", "above"},
        {"max_age of 11 digits", head + "mx: a.example\nmax_age: 10000000000\n", "1-10 digits"},
        {"max_age negative", head + "mx: a.example\nmax_age: -1\n", "1-10 digits"},
        {"max_age missing", head + "mx: a.example\n", "max_age missing"},
        {"version missing", "mode: enforce\nmx: a.example\nmax_age: 1\n", "version missing"},
        {"version STSv2", "version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n", "not STSv1"},
        {"mode missing", "version: STSv1\nmx: a.example\nmax_age: 1\n", "mode missing"},
        {"mode upper-case", "version: STSv1\nmode: ENFORCE\nmx: a\nmax_age: 1\n", "not enforce"},
        {"enforce without mx", head + "max_age: 86400\n", "no mx"},
        {"mx with a space", head + "mx: a .example\nmax_age: 1\n", "not a host name"},
        {"mx double wildcard", head + "mx: *.*.example\nmax_age: 1\n", "not a host name"},
        {"mx inner wildcard", head + "mx: a.*.example\nmax_age: 1\n", "not a host name"},
        {"mx empty", head + "mx:\nmax_age: 1\n", "not a host name"},
        {"a line without colon", head + "mx a.example\nmax_age: 1\n", "line 3"},
        {"bare CR in a line", head + "mx: a.example\rmax_age: 1\n", "bare CR"},
        {"HTML instead", "<html><body>Not found</body></html>\n", "not 'key: value'"},
        {"empty body", "", "version missing"},
    }));
    INFO(c.label);
    auto parsed = parse_sts_policy(c.text);
    if (std::string(c.want_error).empty()) {
        INFO(parsed.error);
        CHECK(parsed.policy);
    } else {
        CHECK_FALSE(parsed.policy);
        CHECK_THAT(parsed.error, Catch::Contains(c.want_error));
    }
}

TEST_CASE("a repeated mode keeps the first and says so", "[mta-sts][policy]") {
    auto parsed = parse_sts_policy(
        "version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\nmax_age: 86400\n");
    REQUIRE(parsed.policy);
    CHECK(parsed.policy->mode == StsMode::testing);
    REQUIRE(parsed.policy->notes.size() == 1);
    CHECK_THAT(parsed.policy->notes[0], Catch::Contains("mode given twice"));
}

TEST_CASE("policies past the size or pattern limits are refused", "[mta-sts][policy]") {
    std::string huge = "version: STSv1\nmode: enforce\nmax_age: 1\n";
    huge += "x: " + std::string(max_sts_policy_octets, 'a') + "\n";
    CHECK_THAT(parse_sts_policy(huge).error, Catch::Contains("above the limit"));

    std::string many = "version: STSv1\nmode: enforce\nmax_age: 1\n";
    for (std::size_t i = 0; i <= max_sts_mx_patterns; ++i) {
        many += "mx: mx" + std::to_string(i) + ".example\n";
    }
    CHECK_THAT(parse_sts_policy(many).error, Catch::Contains("more than"));
}

TEST_CASE("content type text/plain, parameters and case aside", "[mta-sts][policy]") {
    CHECK(is_text_plain("text/plain"));
    CHECK(is_text_plain("text/plain; charset=utf-8"));
    CHECK(is_text_plain("Text/Plain"));
    CHECK_FALSE(is_text_plain("text/html"));
    CHECK_FALSE(is_text_plain(""));
    CHECK_FALSE(is_text_plain("text/plainx"));
}

TEST_CASE("MX patterns match as RFC 8461 4.1 says", "[mta-sts][mx]") {
    struct Case {
        const char* pattern;
        const char* host;
        bool want;
    };
    auto c = GENERATE(values<Case>({
        {"mail.example.com", "mail.example.com", true},
        {"mail.example.com", "MAIL.Example.COM.", true},
        {"mail.example.com", "mail2.example.com", false},
        {"*.example.net", "mx1.example.net", true},
        {"*.example.net", "MX1.EXAMPLE.NET.", true},
        {"*.example.net", "example.net", false},
        {"*.example.net", "a.b.example.net", false},
        {"*.example.net", "xexample.net", false},
        {"*.example.net", ".example.net", false},
        {"", "example.net", false},
    }));
    INFO(c.pattern << " vs " << c.host);
    CHECK(mx_pattern_matches(c.pattern, c.host) == c.want);
}
