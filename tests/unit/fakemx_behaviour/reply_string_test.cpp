// A reply given as a string ("550 5.1.1 text") is held to the same rules as the object form:
// an enhanced code whose class is not the reply's first digit is refused with the pointer.
#include <catch2/catch.hpp>

#include "behaviour_fixture.hpp"

using namespace relaylab;
using namespace relaylab::fakemx;
using namespace relaylab::fakemx::test;

TEST_CASE("a string reply's enhanced code must match its class", "[parse][errors]") {
    struct Case {
        const char* json;
        const char* want;
    };
    auto c = GENERATE(values<Case>({
        {R"({"rules": [{"phase": "rcpt", "reply": "550 4.1.1 no such user"}]})",
         "/rules/0/reply: an enhanced status code"},
        {R"({"rules": [{"phase": "mail", "reply": "451 5.7.1 try later"}]})",
         "/rules/0/reply: an enhanced status code"},
        {R"({"rules": [{"phase": "rcpt", "reply": "550 5.1 short"}]})",
         "/rules/0/reply: an enhanced status code"},
        {R"({"greylist": {"reply": "451 5.7.1 greylisted"}})",
         "/greylist/reply: an enhanced status code"},
    }));
    INFO(c.json);
    try {
        behaviour_from(c.json);
        FAIL("want an error: " << c.want);
    } catch (const BehaviourError& e) {
        std::string what = e.what();
        INFO("got: " << what);
        CHECK(what.rfind(std::string("test.json: ") + c.want, 0) == 0);
    }
}

TEST_CASE("string replies with a matching or no enhanced code are taken", "[parse]") {
    auto behaviour = behaviour_from(
        R"({"rules": [{"phase": "rcpt", "reply": "550 5.1.1 no such user"},
                      {"phase": "mail", "reply": "451 try 4.5 minutes later"},
                      {"phase": "helo", "reply": "250 2.0.0"}]})");
    REQUIRE(behaviour.rules.size() == 3);
    REQUIRE(behaviour.rules[0].reply);
    CHECK(behaviour.rules[0].reply->enhanced == "5.1.1");
    CHECK(behaviour.rules[0].reply->text() == "no such user");
    CHECK(behaviour.rules[1].reply->enhanced.empty());
    CHECK(behaviour.rules[1].reply->text() == "try 4.5 minutes later");
    CHECK(behaviour.rules[2].reply->enhanced == "2.0.0");
}
