// Never an open relay: the RCPT decision over every combination of trusted network,
// authentication and relay domain, plus the domain and address matching it rests on.
#include <catch2/catch.hpp>

#include "harness/relay/config/relay_access.hpp"

using namespace relaylab::relay;

namespace {

RelayAccess make_access() {
    return RelayAccess({"127.0.0.0/8", "::1/128", "10.20.0.0/16", "2001:db8:1::/48"},
                       {"Example.TEST", ".hosted.test"});
}

}  // namespace

TEST_CASE("the open-relay table: trusted x authenticated x relay domain", "[relay_access]") {
    struct Case {
        const char* client;
        bool authenticated;
        const char* recipient;
        RelayVerdict want;
    };
    using V = RelayVerdict;
    auto c = GENERATE(values<Case>({
        // trusted, any domain, auth or not
        {"127.0.0.1", false, "bob@gmail.test", V::trusted_network},
        {"127.0.0.1", true, "bob@gmail.test", V::trusted_network},
        {"10.20.3.4", false, "bob@example.test", V::trusted_network},
        {"::1", false, "bob@gmail.test", V::trusted_network},
        {"::ffff:127.0.0.1", false, "bob@gmail.test", V::trusted_network},  // dual-stack socket
        {"2001:db8:1:ff::9", false, "bob@gmail.test", V::trusted_network},
        // untrusted, authenticated: any domain
        {"192.0.2.7", true, "bob@gmail.test", V::authenticated},
        {"192.0.2.7", true, "bob@example.test", V::authenticated},
        {"2001:db8:2::1", true, "bob@gmail.test", V::authenticated},
        // untrusted, not authenticated: relay domains only
        {"192.0.2.7", false, "bob@example.test", V::relay_domain},
        {"192.0.2.7", false, "bob@EXAMPLE.test", V::relay_domain},
        {"192.0.2.7", false, "bob@example.test.", V::relay_domain},
        {"192.0.2.7", false, "bob@mx.hosted.test", V::relay_domain},
        {"192.0.2.7", false, "\"a@b\"@example.test", V::relay_domain},  // the last '@' counts
        {"192.0.2.7", false, "bob@gmail.test", V::relay_access_denied},
        {"192.0.2.7", false, "bob@sub.example.test", V::relay_access_denied},  // exact entry
        {"192.0.2.7", false, "bob@hosted.test", V::relay_access_denied},       // "." is subdomains
        {"192.0.2.7", false, "bob@nothosted.test", V::relay_access_denied},
        {"192.0.2.7", false, "bob@example.test.evil.test", V::relay_access_denied},
        {"192.0.2.7", false, "example.test@gmail.test", V::relay_access_denied},
        {"192.0.2.7", false, "Postmaster", V::relay_access_denied},
        {"192.0.2.7", false, "bob@[127.0.0.1]", V::relay_access_denied},
        {"10.21.0.1", false, "bob@gmail.test", V::relay_access_denied},  // just outside /16
        {"2001:db8:2::1", false, "bob@gmail.test", V::relay_access_denied},
        {"::ffff:192.0.2.7", false, "bob@gmail.test", V::relay_access_denied},
        {"", false, "bob@gmail.test", V::relay_access_denied},  // unknown peer: not trusted
        {"not-an-ip", false, "bob@gmail.test", V::relay_access_denied},
    }));
    INFO(c.client << (c.authenticated ? " authenticated " : " anonymous ") << c.recipient);
    auto access = make_access();
    auto decision = access.decide_rcpt(c.client, c.authenticated, c.recipient);
    CHECK(describe(decision.verdict) == describe(c.want));
    if (c.want == V::relay_access_denied) {
        CHECK_FALSE(decision.accepted());
        CHECK(decision.reply.code == 554);
        CHECK(decision.reply.enhanced == "5.7.1");
        CHECK(decision.reply.summary() ==
              "554 5.7.1 <" + std::string(c.recipient) + ">: Relay access denied");
    } else {
        CHECK(decision.accepted());
        CHECK(decision.reply.code == 0);
    }
}

TEST_CASE("the default configuration trusts loopback only and relays for nobody",
          "[relay_access]") {
    RelayAccess access{RelayConfig{}};
    CHECK(access.trusted("127.0.0.1"));
    CHECK(access.trusted("::1"));
    CHECK_FALSE(access.trusted("192.0.2.1"));
    CHECK_FALSE(access.trusted("::2"));
    CHECK_FALSE(access.relay_domain("relay.relaylab.test"));
    CHECK_FALSE(access.decide_rcpt("192.0.2.1", false, "a@relay.relaylab.test").accepted());
}

TEST_CASE("a relay access denial cannot be made to split the reply line", "[relay_access]") {
    auto access = make_access();
    auto decision = access.decide_rcpt("192.0.2.7", false, "a\r\n250 ok@gmail.test");
    REQUIRE_FALSE(decision.accepted());
    auto wire = relaylab::smtp::format_reply(decision.reply);
    CHECK(wire.find('\n') == wire.size() - 1);
    CHECK(wire.find("a??250 ok@gmail.test") != std::string::npos);
}

TEST_CASE("relay_domain matching", "[relay_access]") {
    RelayAccess access({}, {"a.test", ".b.test", "", ".", "C.Test."});
    CHECK(access.relay_domain("a.test"));
    CHECK(access.relay_domain("A.TEST"));
    CHECK_FALSE(access.relay_domain("x.a.test"));
    CHECK(access.relay_domain("x.b.test"));
    CHECK(access.relay_domain("y.x.B.test"));
    CHECK_FALSE(access.relay_domain("b.test"));
    CHECK_FALSE(access.relay_domain("xb.test"));
    CHECK(access.relay_domain("c.test"));
    CHECK_FALSE(access.relay_domain(""));  // empty and "." entries match nothing
    CHECK_FALSE(access.relay_domain("."));
    CHECK_FALSE(access.relay_domain("test"));
}
