// The relay tricks as sent: every classic form is in the table with the exact path, the ones
// that need the local domain are skipped (with a reason) when it is unknown, and every path the
// table produces is one a correct server can parse or refuse, never an empty one.
#include <algorithm>
#include <catch2/catch.hpp>

#include "probes/policy/open_relay_tricks.hpp"

using namespace relaylab::probe;

namespace {

const RelayTrick* find(const RelayTrickPlan& plan, std::string_view name) {
    auto it = std::find_if(plan.tricks.begin(), plan.tricks.end(),
                           [&](const RelayTrick& t) { return t.name == name; });
    return it == plan.tricks.end() ? nullptr : &*it;
}

RelayTrickInputs inputs(std::string local) {
    return {"probe@relaylab.test", std::move(local), "relay-test.example", "192.0.2.25"};
}

}  // namespace

TEST_CASE("every classic relay trick with its exact envelope", "[open_relay]") {
    struct Case {
        const char* name;
        const char* mail_from;
        const char* rcpt_to;
    };
    auto c = GENERATE(values<Case>({
        {"foreign-sender", "<probe@relaylab.test>", "<relaytest@relay-test.example>"},
        {"local-sender", "<relaytest@mx.local.test>", "<relaytest@relay-test.example>"},
        {"null-sender", "<>", "<relaytest@relay-test.example>"},
        {"percent-hack-literal", "<probe@relaylab.test>",
         "<relaytest%relay-test.example@[192.0.2.25]>"},
        {"percent-hack", "<probe@relaylab.test>", "<relaytest%relay-test.example@mx.local.test>"},
        {"source-route", "<probe@relaylab.test>", "<@mx.local.test:relaytest@relay-test.example>"},
        {"source-route-literal", "<probe@relaylab.test>",
         "<@[192.0.2.25]:relaytest@relay-test.example>"},
        {"quoted-local-part", "<probe@relaylab.test>", "<\"relaytest@relay-test.example\">"},
        {"quoted-local-part-local", "<probe@relaylab.test>",
         "<\"relaytest@relay-test.example\"@mx.local.test>"},
        {"quoted-percent-hack", "<probe@relaylab.test>",
         "<\"relaytest%relay-test.example\"@mx.local.test>"},
        {"bang-path", "<probe@relaylab.test>", "<relay-test.example!relaytest>"},
        {"bang-path-local", "<probe@relaylab.test>",
         "<relay-test.example!relaytest@mx.local.test>"},
        {"bang-path-literal", "<probe@relaylab.test>",
         "<relay-test.example!relaytest@[192.0.2.25]>"},
        {"address-literal", "<probe@relaylab.test>", "<relaytest@[192.0.2.1]>"},
        {"double-at", "<probe@relaylab.test>", "<relaytest@relay-test.example@mx.local.test>"},
    }));
    const auto plan = plan_relay_tricks(inputs("mx.local.test"));
    INFO("trick " << c.name);
    const RelayTrick* trick = find(plan, c.name);
    REQUIRE(trick != nullptr);
    CHECK(trick->mail_from == c.mail_from);
    CHECK(trick->rcpt_to == c.rcpt_to);
    CHECK(!trick->description.empty());
}

TEST_CASE("with the local domain known nothing is skipped, names are unique", "[open_relay]") {
    const auto plan = plan_relay_tricks(inputs("mx.local.test"));
    CHECK(plan.skipped.empty());
    CHECK(plan.tricks.size() == 15);
    CHECK(plan.tricks.front().name == "foreign-sender");  // the MXToolbox test comes first
    std::vector<std::string> names;
    for (const auto& t : plan.tricks)
        names.push_back(t.name);
    std::sort(names.begin(), names.end());
    CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}

TEST_CASE("without a local domain the tricks written with it are skipped, not sent half-made",
          "[open_relay]") {
    const auto plan = plan_relay_tricks(inputs(""));
    CHECK(plan.skipped.size() == 7);
    for (const auto& s : plan.skipped) {
        INFO(s.name);
        CHECK(s.reason.find("--domain") != std::string::npos);
        CHECK(find(plan, s.name) == nullptr);
    }
    for (const auto& t : plan.tricks) {
        INFO(t.name << " " << t.rcpt_to);
        CHECK(t.rcpt_to.find("@>") == std::string::npos);
        CHECK(t.rcpt_to.find("@:") == std::string::npos);
    }
    CHECK(find(plan, "foreign-sender") != nullptr);
    CHECK(find(plan, "percent-hack-literal") != nullptr);
}

TEST_CASE("the server's own address literal: IPv4, IPv6, none", "[open_relay]") {
    CHECK(address_literal("192.0.2.25") == "[192.0.2.25]");
    CHECK(address_literal("2001:db8::25") == "[IPv6:2001:db8::25]");
    CHECK(address_literal("").empty());
    auto v6 = inputs("");
    v6.target_address = "::1";
    const auto plan = plan_relay_tricks(v6);
    REQUIRE(find(plan, "percent-hack-literal") != nullptr);
    CHECK(find(plan, "percent-hack-literal")->rcpt_to ==
          "<relaytest%relay-test.example@[IPv6:::1]>");
    auto none = inputs("");
    none.target_address.clear();
    CHECK(find(plan_relay_tricks(none), "percent-hack-literal") == nullptr);
}

TEST_CASE("the local domain a server announces in its greeting or EHLO", "[open_relay]") {
    struct Case {
        const char* text;
        const char* want;
    };
    auto c = GENERATE(values<Case>({
        {"mx.example.test ESMTP Postfix", "mx.example.test"},
        {"MX.Example.TEST", "mx.example.test"},
        {"mx.example.test. ready", "mx.example.test"},
        {"localhost ESMTP", ""},          // no dot: not a domain to relay-test with
        {"ESMTP ready", ""},              // no host name first
        {"[192.0.2.1] ESMTP", ""},        // a literal is not a domain
        {"mx_1.example.test hello", ""},  // not a host name
        {"", ""},
        {"a..b hello", ""},
    }));
    INFO("text '" << c.text << "'");
    CHECK(announced_domain(c.text) == c.want);
}
