// ProviderJudge over the gmail preset's policy: one case per published requirement, with the
// reply and placement a sender would see, and the volume and bulk windows driven by a fake
// clock (no sleeps).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/placement/model/provider_policy.hpp"

using namespace relaylab;
using namespace relaylab::placement;
using namespace std::chrono_literals;

namespace {

const ProviderJudge::Clock::time_point t0{std::chrono::hours(1000)};

ProviderPolicy gmail() {
    auto behaviour = fakemx::load_behaviour("gmail");
    REQUIRE(behaviour.provider);
    return *behaviour.provider;
}

// A sender that meets every requirement; each case spoils one thing.
struct Sender {
    std::string spf = "pass", dkim = "pass", dmarc = "pass", dmarc_policy = "none";
    std::string from_domain = "example.test";
    std::string client_ip = "192.0.2.25";
    bool tls = true;
    std::optional<bool> fcrdns = true;
    ListUnsubscribe list_unsubscribe = one_click();
    SpamScore spam;

    static ListUnsubscribe one_click() {
        ListUnsubscribe lu;
        lu.present = true;
        lu.https_uri = "https://example.test/u/1";
        lu.uris = {lu.https_uri};
        lu.post_one_click = true;
        lu.dkim_covered = true;
        return lu;
    }

    MessageFacts facts() const {
        MessageFacts f;
        f.auth = AuthWords{spf, dkim, dmarc, dmarc_policy};
        f.from_domain = from_domain;
        f.client_ip = client_ip;
        f.tls = tls;
        f.fcrdns = fcrdns;
        f.list_unsubscribe = &list_unsubscribe;
        f.spam = spam.scored ? &spam : nullptr;
        return f;
    }
};

// Makes `domain` a bulk sender: threshold accepted messages inside the window.
void make_bulk(ProviderJudge& judge, const Sender& sender) {
    for (std::uint64_t i = 0; i < judge.policy().bulk_threshold; ++i)
        judge.message_accepted(sender.facts(), t0);
}

std::string describe(const PolicyDecision& d) {
    return std::string(to_string(d.placement)) + " " + (d.reply ? d.reply->summary() : "") + " (" +
           d.reason + ")";
}

}  // namespace

TEST_CASE("gmail policy: one case per requirement", "[policy][judge]") {
    struct Case {
        const char* label;
        void (*spoil)(Sender&);
        bool bulk;
        Placement want;
        int code;              // 0: no reply
        const char* enhanced;  // "" with code 0
        const char* reason;    // a part of the reason
    };
    auto c = GENERATE(values<Case>({
        {"compliant small sender", [](Sender&) {}, false, Placement::inbox, 0, "", ""},
        {"compliant bulk sender", [](Sender&) {}, true, Placement::inbox, 0, "", ""},
        {"non-bulk with SPF only and no one-click",
         [](Sender& s) {
             s.dkim = "none";
             s.dmarc = "none";
             s.list_unsubscribe = {};
         },
         false, Placement::inbox, 0, "", ""},
        {"unauthenticated",
         [](Sender& s) {
             s.spf = "softfail";
             s.dkim = "none";
             s.dmarc = "fail";
         },
         false, Placement::rejected, 550, "5.7.26", "neither SPF (softfail) nor DKIM (none)"},
        {"no PTR", [](Sender& s) { s.fcrdns = false; }, false, Placement::rejected, 550, "5.7.25",
         "no forward-confirmed PTR for 192.0.2.25"},
        {"PTR lookup failed", [](Sender& s) { s.fcrdns = std::nullopt; }, false,
         Placement::deferred, 451, "4.7.25", "could not be checked"},
        {"DMARC p=reject fail",
         [](Sender& s) {
             s.dkim = "fail";
             s.dmarc = "fail";
             s.dmarc_policy = "reject";
         },
         false, Placement::rejected, 550, "5.7.26", "p=reject"},
        {"DMARC p=quarantine fail",
         [](Sender& s) {
             s.dkim = "fail";
             s.dmarc = "fail";
             s.dmarc_policy = "quarantine";
         },
         false, Placement::spam, 0, "", "p=quarantine"},
        {"bulk without DKIM",
         [](Sender& s) {
             s.dkim = "none";
             s.dmarc = "pass";
         },
         true, Placement::rejected, 550, "5.7.30", "bulk sender: DKIM did not pass (dkim=none)"},
        {"bulk without SPF", [](Sender& s) { s.spf = "fail"; }, true, Placement::rejected, 550,
         "5.7.27", "bulk sender: SPF did not pass"},
        {"bulk without DMARC alignment", [](Sender& s) { s.dmarc = "fail"; }, true,
         Placement::rejected, 550, "5.7.26", "DMARC did not pass (dmarc=fail)"},
        {"bulk without TLS", [](Sender& s) { s.tls = false; }, true, Placement::deferred, 421,
         "4.7.29", "not sent over TLS"},
        {"bulk without one-click",
         [](Sender& s) {
             s.list_unsubscribe.post_one_click = false;
             s.list_unsubscribe.problem = "no List-Unsubscribe-Post field";
         },
         true, Placement::spam, 0, "", "one-click unsubscribe (no List-Unsubscribe-Post field)"},
        {"bulk without List-Unsubscribe", [](Sender& s) { s.list_unsubscribe = {}; }, true,
         Placement::spam, 0, "", "(no List-Unsubscribe)"},
        {"spam score at spamd's threshold",
         [](Sender& s) {
             s.spam = SpamScore{true, 5.0, 5.0, {"BAYES_99"}, ""};
         },
         false, Placement::spam, 0, "", "spam score 5.0 >= 5.0"},
        {"spam score below the threshold",
         [](Sender& s) {
             s.spam = SpamScore{true, 4.9, 5.0, {}, ""};
         },
         false, Placement::inbox, 0, "", ""},
        {"spam score at reject_at",
         [](Sender& s) {
             s.spam = SpamScore{true, 15.0, 5.0, {}, ""};
         },
         false, Placement::rejected, 550, "5.7.1", "spam score 15.0 >= 15.0"},
        {"spamd failed: no score, no opinion",
         [](Sender& s) {
             s.spam = SpamScore{false, 0, 0, {}, "connection refused"};
         },
         false, Placement::inbox, 0, "", ""},
        {"spam folder, then a refusal: the refusal wins",
         [](Sender& s) {
             s.list_unsubscribe = {};
             s.tls = false;
         },
         true, Placement::deferred, 421, "4.7.29", "not sent over TLS"},
    }));
    INFO(c.label);
    ProviderJudge judge(gmail(), 1000);
    Sender sender;
    if (c.bulk) make_bulk(judge, sender);
    c.spoil(sender);
    PolicyDecision d = judge.judge(sender.facts(), t0 + 1s);
    INFO("got " << describe(d));
    CHECK(d.bulk == c.bulk);
    CHECK(d.placement == c.want);
    if (c.code == 0) {
        CHECK_FALSE(d.reply);
    } else {
        REQUIRE(d.reply);
        CHECK(d.reply->code == c.code);
        CHECK(d.reply->enhanced == c.enhanced);
    }
    CHECK(d.reason.find(c.reason) != std::string::npos);
    if (c.want == Placement::inbox) CHECK(d.reason.empty());
}

TEST_CASE("the DMARC reply names the From domain", "[policy][judge]") {
    ProviderJudge judge(gmail(), 1000);
    Sender sender;
    sender.dkim = "fail";
    sender.dmarc = "fail";
    sender.dmarc_policy = "reject";
    sender.from_domain = "Bank.example\r\n250 ok";  // hostile text cannot break the framing
    PolicyDecision d = judge.judge(sender.facts(), t0);
    REQUIRE(d.reply);
    CHECK(d.reply->text().find("Unauthenticated email from Bank.example??250 ok is not accepted "
                               "due to domain's DMARC policy") == 0);
}

TEST_CASE("volume over max defers with 421 4.7.28 until the window passes", "[policy][volume]") {
    ProviderPolicy policy = gmail();
    policy.volume = {VolumeRule{VolumeKey::from_domain, 3, std::chrono::seconds(3600),
                                gmail().volume.at(0).reply}};
    ProviderJudge judge(policy, 1000);
    Sender sender;
    for (int i = 0; i < 3; ++i) {
        INFO("message " << i + 1);
        PolicyDecision d = judge.judge(sender.facts(), t0 + std::chrono::seconds(i));
        CHECK(d.placement == Placement::inbox);
        judge.message_accepted(sender.facts(), t0 + std::chrono::seconds(i));
    }
    PolicyDecision over = judge.judge(sender.facts(), t0 + 10s);
    CHECK(over.placement == Placement::deferred);
    REQUIRE(over.reply);
    CHECK(over.reply->code == 421);
    CHECK(over.reply->enhanced == "4.7.28");
    CHECK(over.reply->text().find("your domain example.test") != std::string::npos);
    CHECK(over.reason == "volume: over 3 per 1h per sending domain example.test");

    SECTION("another domain from the same IP is not limited") {
        Sender other;
        other.from_domain = "other.test";
        CHECK(judge.judge(other.facts(), t0 + 10s).placement == Placement::inbox);
    }
    SECTION("the domain's case does not make it another sender") {
        Sender upper;
        upper.from_domain = "EXAMPLE.test";
        CHECK(judge.judge(upper.facts(), t0 + 10s).placement == Placement::deferred);
    }
    SECTION("after the window the domain is accepted again") {
        CHECK(judge.judge(sender.facts(), t0 + 3599s).placement == Placement::deferred);
        CHECK(judge.judge(sender.facts(), t0 + 3600s).placement == Placement::inbox);
    }
}

TEST_CASE("volume per client IP counts every domain of the IP", "[policy][volume]") {
    ProviderPolicy policy = gmail();
    policy.volume = {VolumeRule{VolumeKey::client_ip, 2, std::chrono::seconds(60),
                                smtp::make_reply(421, "4.7.0",
                                                 "[TSS04] Messages from {client_ip}"
                                                 " temporarily deferred")}};
    ProviderJudge judge(policy, 1000);
    Sender a, b;
    b.from_domain = "b.test";
    judge.message_accepted(a.facts(), t0);
    judge.message_accepted(b.facts(), t0);
    PolicyDecision d = judge.judge(a.facts(), t0 + 1s);
    REQUIRE(d.reply);
    CHECK(d.reply->summary() == "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred");
    Sender elsewhere;
    elsewhere.client_ip = "198.51.100.7";
    CHECK(judge.judge(elsewhere.facts(), t0 + 1s).placement == Placement::inbox);
}

TEST_CASE("a bulk sender is one that reached the threshold in one window", "[policy][bulk]") {
    ProviderPolicy policy = gmail();
    policy.bulk_threshold = 3;
    policy.bulk_window = std::chrono::seconds(86400);
    ProviderJudge judge(policy, 1000);
    Sender sender;
    sender.list_unsubscribe = {};  // only bulk senders need one-click
    judge.message_accepted(sender.facts(), t0);
    judge.message_accepted(sender.facts(), t0 + 1h);
    // Two in the first day, the third a day later: the window started over.
    judge.message_accepted(sender.facts(), t0 + 25h);
    CHECK_FALSE(judge.judge(sender.facts(), t0 + 25h).bulk);
    judge.message_accepted(sender.facts(), t0 + 26h);
    judge.message_accepted(sender.facts(), t0 + 27h);
    PolicyDecision d = judge.judge(sender.facts(), t0 + 28h);
    CHECK(d.bulk);
    CHECK(d.placement == Placement::spam);
    SECTION("and stays one after a quiet week (Gmail: permanently)") {
        CHECK(judge.judge(sender.facts(), t0 + 24h * 8).bulk);
    }
}

TEST_CASE("the judge's tables are bounded", "[policy][memory]") {
    ProviderPolicy policy = gmail();
    ProviderJudge judge(policy, 10);
    Sender sender;
    for (int i = 0; i < 1000; ++i) {
        sender.from_domain = "d" + std::to_string(i) + ".test";
        sender.client_ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
        judge.message_accepted(sender.facts(), t0);
    }
    // Two volume tables' keys share one LRU, plus the bulk and the complaint tables.
    CHECK(judge.tracked_entries() <= 30);
}

namespace {

// Gmail's policy with a complaint rule small enough to cross in a test.
ProviderPolicy with_complaints(double max_rate, std::uint64_t min_messages,
                               std::chrono::seconds window) {
    ProviderPolicy policy = gmail();
    REQUIRE(policy.complaints);
    policy.complaints->max_rate = max_rate;
    policy.complaints->min_messages = min_messages;
    policy.complaints->window = window;
    return policy;
}

}  // namespace

TEST_CASE("a complaint rate over max_rate defers the domain with 421 4.7.28",
          "[policy][complaints]") {
    ProviderJudge judge(with_complaints(0.01, 100, std::chrono::seconds(3600)), 1000);
    Sender sender;
    // 100 recipients filed in the inbox in one message, then 1 complaint: exactly 1 %, not over.
    judge.message_accepted(sender.facts(), t0, Placement::inbox, 100);
    judge.complaint("example.test", t0 + 1s);
    CHECK(judge.judge(sender.facts(), t0 + 2s).placement == Placement::inbox);
    // The second complaint makes 2 %.
    judge.complaint("EXAMPLE.test", t0 + 3s);
    PolicyDecision d = judge.judge(sender.facts(), t0 + 4s);
    INFO(describe(d));
    CHECK(d.placement == Placement::deferred);
    REQUIRE(d.reply);
    CHECK(d.reply->code == 421);
    CHECK(d.reply->enhanced == "4.7.28");
    CHECK(d.reply->text().find("your domain example.test") != std::string::npos);
    CHECK(d.reason ==
          "complaints: 2 of 100 inbox messages (2.00%) over 1.00% per 1h for sending domain "
          "example.test");

    SECTION("another domain is not affected") {
        Sender other;
        other.from_domain = "other.test";
        CHECK(judge.judge(other.facts(), t0 + 4s).placement == Placement::inbox);
    }
    SECTION("more inbox mail dilutes the rate below max again") {
        judge.message_accepted(sender.facts(), t0 + 5s, Placement::inbox, 100);
        CHECK(judge.judge(sender.facts(), t0 + 6s).placement == Placement::inbox);
    }
    SECTION("spam-foldered mail is no base for the rate") {
        judge.message_accepted(sender.facts(), t0 + 5s, Placement::spam, 1000);
        CHECK(judge.judge(sender.facts(), t0 + 6s).placement == Placement::deferred);
    }
    SECTION("the window's end starts over") {
        CHECK(judge.judge(sender.facts(), t0 + 3599s).placement == Placement::deferred);
        CHECK(judge.judge(sender.facts(), t0 + 3600s).placement == Placement::inbox);
        // A complaint after the window is counted in a new one, with no inbox mail yet.
        judge.complaint("example.test", t0 + 3601s);
        CHECK(judge.judge(sender.facts(), t0 + 3602s).placement == Placement::inbox);
    }
}

TEST_CASE("the complaint rate is judged only after min_messages inbox messages",
          "[policy][complaints]") {
    ProviderJudge judge(with_complaints(0.003, 1000, std::chrono::seconds(86400)), 1000);
    Sender sender;
    for (int i = 0; i < 999; ++i)
        judge.message_accepted(sender.facts(), t0);
    for (int i = 0; i < 50; ++i)
        judge.complaint("example.test", t0 + 1s);
    // 5 % of 999: a small sender's rate is not judged.
    CHECK(judge.judge(sender.facts(), t0 + 2s).placement == Placement::inbox);
    judge.message_accepted(sender.facts(), t0 + 3s);
    CHECK(judge.judge(sender.facts(), t0 + 4s).placement == Placement::deferred);
}

TEST_CASE("a complaint rule with \"spam\" files the domain's mail as spam",
          "[policy][complaints]") {
    ProviderPolicy policy = with_complaints(0.003, 1, std::chrono::seconds(86400));
    policy.complaints->action = PolicyAction::spam_folder();
    ProviderJudge judge(policy, 1000);
    Sender sender;
    judge.message_accepted(sender.facts(), t0);
    judge.complaint("example.test", t0);
    PolicyDecision d = judge.judge(sender.facts(), t0 + 1s);
    CHECK(d.placement == Placement::spam);
    CHECK_FALSE(d.reply);
    CHECK(d.reason.rfind("complaints: 1 of 1 inbox messages", 0) == 0);
}

TEST_CASE("without a complaint rule complaints change nothing", "[policy][complaints]") {
    ProviderPolicy policy = gmail();
    policy.complaints.reset();
    ProviderJudge judge(policy, 1000);
    Sender sender;
    judge.message_accepted(sender.facts(), t0);
    for (int i = 0; i < 10; ++i)
        judge.complaint("example.test", t0);
    CHECK(judge.judge(sender.facts(), t0 + 1s).placement == Placement::inbox);
}

TEST_CASE("without a provider policy: inbox unless spamd says spam", "[policy][default]") {
    CHECK(default_placement(nullptr).placement == Placement::inbox);
    SpamScore failed{false, 0, 0, {}, "timed out"};
    CHECK(default_placement(&failed).placement == Placement::inbox);
    SpamScore ham{true, 1.2, 5.0, {}, ""};
    CHECK(default_placement(&ham).placement == Placement::inbox);
    SpamScore spam{true, 7.3, 5.0, {"BAYES_99"}, ""};
    PolicyDecision d = default_placement(&spam);
    CHECK(d.placement == Placement::spam);
    CHECK(d.reason == "spam score 7.3 >= 5.0");
    CHECK_FALSE(d.reply);
}
