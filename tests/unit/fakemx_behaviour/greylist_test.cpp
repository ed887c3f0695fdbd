// The postgrey sequence with a clock the test moves: defer, defer too soon, pass inside the
// window, stay allowed, start over after the window or after the allowance.
#include <catch2/catch.hpp>

#include "behaviour_fixture.hpp"
#include "fake-mx/behaviour/greylist_table.hpp"

using namespace relaylab;
using namespace relaylab::fakemx;
using namespace relaylab::fakemx::test;
using smtp::Phase;
using std::chrono::seconds;

namespace {

const char* greylist_json = R"({"greylist": {"min_retry_s": 300, "max_retry_s": 3600,
                                             "whitelist_s": 86400}})";

}  // namespace

TEST_CASE("greylist: the postgrey sequence", "[greylist]") {
    auto engine = engine_from(greylist_json);
    CHECK(engine.decision_phases() == static_cast<unsigned>(Phase::rcpt));
    Session s;
    auto rcpt = s.at(Phase::rcpt, "bob@example.test");

    auto first = engine.decide(rcpt, t0);
    REQUIRE(first.reply);
    CHECK(first.reply->summary() ==
          "451 4.7.1 <bob@example.test>: Recipient address rejected: Greylisted, see "
          "http://postgrey.schweikert.ch/help/example.test.html");
    CHECK(first.rule == "greylist (first seen)");

    auto early = engine.decide(rcpt, t0 + seconds(299));
    CHECK(code_of(early) == 451);
    CHECK(early.rule == "greylist (retried too soon)");

    auto passed = engine.decide(rcpt, t0 + seconds(300));
    CHECK(passed.is_default());

    // Allowed from now on, well past max_retry, as long as it keeps coming within whitelist_s.
    CHECK(engine.decide(rcpt, t0 + seconds(300 + 80000)).is_default());
    CHECK(engine.decide(rcpt, t0 + seconds(300 + 160000)).is_default());

    // Silent for longer than the allowance: start over.
    auto later = t0 + seconds(300 + 160000 + 86401);
    auto restarted = engine.decide(rcpt, later);
    CHECK(code_of(restarted) == 451);
    CHECK(restarted.rule == "greylist (started over)");
}

TEST_CASE("greylist: a retry after max_retry starts over", "[greylist]") {
    auto engine = engine_from(greylist_json);
    Session s;
    auto rcpt = s.at(Phase::rcpt);
    CHECK(code_of(engine.decide(rcpt, t0)) == 451);
    CHECK(code_of(engine.decide(rcpt, t0 + seconds(3601))) == 451);
    // The window now counts from the restart.
    CHECK(code_of(engine.decide(rcpt, t0 + seconds(3601 + 299))) == 451);
    CHECK(code_of(engine.decide(rcpt, t0 + seconds(3601 + 300))) == 0);
}

TEST_CASE("greylist: each triplet on its own", "[greylist]") {
    auto engine = engine_from(greylist_json);
    Session s;
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "a@example.test"), t0)) == 451);
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "a@example.test"), t0 + seconds(400))) == 0);
    // Same sender and IP, new recipient: greylisted afresh.
    CHECK(code_of(engine.decide(s.at(Phase::rcpt, "b@example.test"), t0 + seconds(400))) == 451);
    Session other = s;
    other.client_ip = "203.0.113.5";
    CHECK(code_of(engine.decide(other.at(Phase::rcpt, "a@example.test"), t0 + seconds(400))) ==
          451);
}

TEST_CASE("greylist: a custom reply", "[greylist]") {
    auto engine = engine_from(R"({"greylist": {"reply": {"code": 450, "enhanced": "4.2.0",
        "text": "Greylisted for {client_ip}, come back later"}}})");
    Session s;
    auto out = engine.decide(s.at(Phase::rcpt), t0);
    REQUIRE(out.reply);
    CHECK(out.reply->summary() == "450 4.2.0 Greylisted for 192.0.2.10, come back later");
}

TEST_CASE("greylist: lookup_by_subnet recognises a retry from another address of the pool",
          "[greylist]") {
    auto exact = engine_from(greylist_json);
    auto subnet = engine_from(R"({"greylist": {"min_retry_s": 300, "max_retry_s": 3600,
                                               "lookup_by_subnet": true}})");
    Session first;
    first.client_ip = "192.0.2.10";
    Session retry = first;
    retry.client_ip = "192.0.2.77";  // same /24
    Session elsewhere = first;
    elsewhere.client_ip = "192.0.3.10";
    CHECK(code_of(exact.decide(first.at(Phase::rcpt), t0)) == 451);
    CHECK(code_of(exact.decide(retry.at(Phase::rcpt), t0 + seconds(400))) == 451);
    CHECK(code_of(subnet.decide(first.at(Phase::rcpt), t0)) == 451);
    CHECK(code_of(subnet.decide(retry.at(Phase::rcpt), t0 + seconds(400))) == 0);
    CHECK(code_of(subnet.decide(elsewhere.at(Phase::rcpt), t0 + seconds(400))) == 451);

    Session v6;
    v6.client_ip = "2001:db8:1:2::10";
    Session v6_retry = v6;
    v6_retry.client_ip = "2001:db8:1:2:aaaa::99";
    CHECK(code_of(subnet.decide(v6.at(Phase::rcpt), t0)) == 451);
    CHECK(code_of(subnet.decide(v6_retry.at(Phase::rcpt), t0 + seconds(400))) == 0);
}

TEST_CASE("greylist: the client key by subnet", "[greylist]") {
    CHECK(greylist_client("192.0.2.77", false) == "192.0.2.77");
    CHECK(greylist_client("192.0.2.77", true) == "192.0.2.0/24");
    CHECK(greylist_client("::ffff:192.0.2.77", true) == "192.0.2.0/24");
    CHECK(greylist_client("2001:db8:1:2:aaaa::99", true) == "2001:db8:1:2::/64");
    CHECK(greylist_client("not-an-ip", true) == "not-an-ip");
}

TEST_CASE("greylist: lookup_by_subnet must be a boolean", "[greylist]") {
    CHECK_THROWS_WITH(behaviour_from(R"({"greylist": {"lookup_by_subnet": "yes"}})"),
                      Catch::Contains("lookup_by_subnet") && Catch::Contains("true or false"));
}
