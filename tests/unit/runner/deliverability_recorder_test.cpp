// report.json's `deliverability` as the Recorder builds it from fake MX events with a
// PlacementSummary, the relay's engagement counters and the simulator's truth: placement per
// provider (with the host's domain when no provider is modelled), spam means and top rules,
// unsubscribe coverage, sent_after_unsubscribe joined on submission and unsubscribe times (no
// sleeps: times are given), measured vs true rates and their denominators, quota deferrals.
#include <catch2/catch.hpp>

#include "harness/runner/recorder.hpp"
#include "reports/expectation.hpp"

using namespace relaylab;
using namespace relaylab::runner;
using namespace std::chrono_literals;

namespace {

struct Facts {
    std::string_view provider = "gmail";
    placement::Placement where = placement::Placement::inbox;
    std::string_view reason;
    const placement::SpamScore* spam = nullptr;
    bool list_unsubscribe = false;
    bool one_click = false;
};

struct Harness {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::chrono::system_clock::time_point wall_start = std::chrono::system_clock::now();
    Recorder recorder;

    explicit Harness(bool deliverability = true, bool track_arrivals = true,
                     std::size_t max_tracked = 1000)
        : recorder(make_config(deliverability, track_arrivals, max_tracked)) {}

    RecorderConfig make_config(bool deliverability, bool track_arrivals, std::size_t max_tracked) {
        RecorderConfig c;
        c.run_id = "rt";
        c.start = start;
        c.host_domains["mx1.gmail.test"] = {"gmail.test"};
        c.host_domains["mx.shared.test"] = {"a.test", "b.test"};
        if (deliverability) {
            DeliverabilityConfig d;
            d.host_domains = c.host_domains;
            d.track_arrivals = track_arrivals;
            d.max_tracked_arrivals = max_tracked;
            c.deliverability = d;
        }
        return c;
    }

    // Message n went out (MAIL FROM) `at` after the start and was accepted.
    void submit(std::uint64_t n, std::vector<std::string> recipients,
                std::chrono::milliseconds at = 0ms) {
        recorder.on_message_made(n, recipients);
        load::MessageEvent event;
        event.number = n;
        event.kind = load::EventKind::submitted;
        event.intended = event.started = start + at;
        recorder.on_submission(event);
        event.kind = load::EventKind::accepted;
        event.ended = start + at + 5ms;
        recorder.on_submission(event);
    }

    void judged(std::uint64_t n, std::vector<std::string> recipients, const Facts& facts,
                std::string_view host = "mx1.gmail.test",
                std::string_view mail_from = "a@shop.test") {
        std::string content =
            "Subject: x\r\nX-Relaylab-Id: rt-" + std::to_string(n) + "\r\n\r\nhi\r\n";
        fakemx::PlacementSummary summary;
        summary.provider = facts.provider;
        summary.placement = facts.where;
        summary.reason = facts.reason;
        summary.spam = facts.spam;
        summary.list_unsubscribe = facts.list_unsubscribe;
        summary.one_click = facts.one_click;
        fakemx::ReceiverEvent event;
        bool delivered =
            facts.where == placement::Placement::inbox || facts.where == placement::Placement::spam;
        event.kind = delivered ? fakemx::ReceiverEvent::Kind::accepted
                               : fakemx::ReceiverEvent::Kind::refused;
        event.code = delivered ? 250 : facts.where == placement::Placement::deferred ? 421 : 550;
        event.host = host;
        event.mail_from = mail_from;
        event.recipients = recipients;
        event.content = content;
        event.placement = &summary;
        recorder.on_receiver(event);
    }

    nlohmann::json report(DeliverabilityInputs inputs = {}) {
        inputs.wall_start = wall_start;
        return recorder.deliverability(inputs);
    }
};

}  // namespace

TEST_CASE("no section unless asked for or seen", "[runner][deliverability]") {
    Harness plain(false);
    plain.submit(1, {"u1@gmail.test"});
    plain.judged(1, {"u1@gmail.test"}, {.provider = ""});
    CHECK(plain.report().is_null());
    // A behaviour file with a provider policy shows itself: the section appears.
    plain.judged(1, {"u1@gmail.test"}, {.provider = "gmail"});
    CHECK_FALSE(plain.report().is_null());
}

TEST_CASE("placement per provider counts recipient-messages", "[runner][deliverability]") {
    Harness h;
    h.submit(1, {"u1@gmail.test", "u2@gmail.test"});
    h.judged(1, {"u1@gmail.test", "u2@gmail.test"}, {});
    h.submit(2, {"u3@gmail.test"});
    h.judged(2, {"u3@gmail.test"}, {.where = placement::Placement::spam});
    h.judged(3, {"u4@gmail.test"}, {.where = placement::Placement::rejected});
    h.judged(4, {"u5@gmail.test"}, {.where = placement::Placement::deferred});
    // No provider: the host's one domain, or "(none)" for a host serving several.
    h.judged(5, {"x@gmail.test"}, {.provider = ""});
    h.judged(6, {"x@a.test"}, {.provider = ""}, "mx.shared.test");
    // DSNs are the relay's reports, not the campaign.
    h.judged(7, {"a@shop.test"}, {.provider = "yahoo"}, "bounces.relaylab.test", "");
    auto report = h.report();
    const auto& placements = report["placement"];
    CHECK(placements["gmail"] ==
          nlohmann::json{{"inbox", 2}, {"spam", 1}, {"rejected", 1}, {"deferred", 1}});
    CHECK(placements["gmail.test"]["inbox"] == 1);
    CHECK(placements["(none)"]["inbox"] == 1);
    CHECK_FALSE(placements.contains("yahoo"));
    CHECK(report["engagement"]["delivered"] == 5);  // inbox and spam recipient-messages
}

TEST_CASE("spam: scored messages, the mean, the top rules by count", "[runner][deliverability]") {
    Harness h;
    placement::SpamScore low{true, 1.5, 5.0, {"HTML_MESSAGE", "MIME_HTML_ONLY"}, ""};
    placement::SpamScore high{true, 7.5, 5.0, {"HTML_MESSAGE", "URIBL_TEST"}, ""};
    placement::SpamScore failed{false, 0, 0, {}, "timed out"};
    h.judged(1, {"u1@gmail.test"}, {.spam = &low});
    h.judged(2, {"u2@gmail.test"}, {.where = placement::Placement::spam, .spam = &high});
    h.judged(3, {"u3@gmail.test"}, {.spam = &failed});
    auto spam = h.report()["spam"];
    CHECK(spam["scored"] == 2);
    CHECK(spam["failed"] == 1);
    CHECK(spam["mean_score"].get<double>() == Approx(4.5));
    REQUIRE(spam["top_rules"].size() == 3);
    CHECK(spam["top_rules"][0] == nlohmann::json{{"name", "HTML_MESSAGE"}, {"count", 2}});
}

TEST_CASE("spam: nothing scored gives a null mean; hostile rule lists stay bounded",
          "[runner][deliverability]") {
    Harness h;
    CHECK(h.report()["spam"]["mean_score"].is_null());
    placement::SpamScore many{true, 3, 5, {}, ""};
    for (int i = 0; i < 5000; ++i)
        many.rules.push_back("RULE_" + std::to_string(i));
    h.judged(1, {"u1@gmail.test"}, {.spam = &many});
    auto spam = h.report()["spam"];
    CHECK(spam["top_rules"].size() == 10);
}

TEST_CASE("unsubscribe coverage of accepted messages", "[runner][deliverability]") {
    Harness h;
    h.judged(1, {"u1@gmail.test"}, {.list_unsubscribe = true, .one_click = true});
    h.judged(2, {"u2@gmail.test"}, {.list_unsubscribe = true});
    h.judged(3, {"u3@gmail.test"}, {});
    h.judged(4, {"u4@gmail.test"},
             {.where = placement::Placement::rejected, .list_unsubscribe = true});
    auto unsubscribe = h.report()["unsubscribe"];
    CHECK(unsubscribe["messages"] == 3);
    CHECK(unsubscribe["list_unsubscribe"] == 2);
    CHECK(unsubscribe["one_click"] == 1);
    CHECK(unsubscribe["unsubscribed"].is_null());  // nobody simulated, no relay endpoint
    CHECK(unsubscribe["sent_after_unsubscribe"].is_null());
}

TEST_CASE("sent_after_unsubscribe: arrivals whose MAIL FROM came after the unsubscribe",
          "[runner][deliverability]") {
    Harness h;
    // u1 unsubscribes 10 s in. Message 1 went out before (queued: may still arrive), message 2
    // after (the relay should have refused it at RCPT), message 3 after but to someone else.
    h.submit(1, {"u1@gmail.test"}, 2s);
    h.submit(2, {"U1@Gmail.Test"}, 11s);
    h.submit(3, {"u2@gmail.test"}, 12s);
    h.judged(1, {"u1@gmail.test"}, {});
    h.judged(2, {"U1@Gmail.Test"}, {.where = placement::Placement::spam});
    h.judged(3, {"u2@gmail.test"}, {});
    DeliverabilityInputs inputs;
    inputs.truth = placement::EngagementTruth{};
    inputs.truth->messages = 3;
    inputs.unsubscribed = {{"u1@gmail.test", h.wall_start + 10s}};
    auto unsubscribe = h.report(inputs)["unsubscribe"];
    CHECK(unsubscribe["unsubscribed"] == 1);
    CHECK(unsubscribe["sent_after_unsubscribe"] == 1);
    CHECK(unsubscribe["unchecked_arrivals"] == 0);
}

TEST_CASE("sent_after_unsubscribe: arrivals past the memory cap are counted as unchecked",
          "[runner][deliverability]") {
    Harness h(true, true, 2);
    for (std::uint64_t n = 1; n <= 4; ++n) {
        h.submit(n, {"u@gmail.test"}, std::chrono::seconds(n * 10));
        h.judged(n, {"u@gmail.test"}, {});
    }
    DeliverabilityInputs inputs;
    inputs.truth = placement::EngagementTruth{};
    inputs.unsubscribed = {{"u@gmail.test", h.wall_start + 15s}};
    auto unsubscribe = h.report(inputs)["unsubscribe"];
    CHECK(unsubscribe["sent_after_unsubscribe"] == 1);  // message 2 of the 2 kept
    CHECK(unsubscribe["unchecked_arrivals"] == 2);
}

TEST_CASE("engagement: measured from the relay's tracking, true from the simulator",
          "[runner][deliverability]") {
    Harness h;
    for (std::uint64_t n = 1; n <= 10; ++n)
        h.judged(n, {"u" + std::to_string(n) + "@gmail.test"}, {});
    SECTION("an external relay: not measured") {
        auto engagement = h.report()["engagement"];
        CHECK(engagement["delivered"] == 10);
        CHECK(engagement["opens"].is_null());
        CHECK(engagement["open_rate"].is_null());
        CHECK(engagement["true_open_rate"].is_null());
    }
    SECTION("tracking and simulated recipients") {
        DeliverabilityInputs inputs;
        inputs.relay_engagement = {
            {"tracking", {{"opens", 9}, {"unique_opens", 4}, {"clicks", 3}, {"unique_clicks", 1}}},
            {"quotas", {{"refused", 2}}},
            {"unsubscribe", {{"unsubscribed", 1}, {"refused_rcpts", 5}}}};
        placement::EngagementTruth truth;
        truth.messages = 8;  // two dropped by the simulator's full queue
        truth.opens = 2;
        truth.clicks = 1;
        inputs.truth = truth;
        auto report = h.report(inputs);
        auto engagement = report["engagement"];
        CHECK(engagement["opens"] == 4);  // unique, not the 9 fetches
        CHECK(engagement["clicks"] == 1);
        CHECK(engagement["open_rate"].get<double>() == Approx(0.4));
        CHECK(engagement["click_rate"].get<double>() == Approx(0.1));
        CHECK(engagement["simulated"] == 8);
        CHECK(engagement["true_open_rate"].get<double>() == Approx(0.25));
        CHECK(engagement["true_click_rate"].get<double>() == Approx(0.125));
        CHECK(report["unsubscribe"]["refused_by_relay"] == 5);
        CHECK(report["quotas"]["relay_refused"] == 2);
    }
}

TEST_CASE("quotas: relay refusals plus receivers' volume deferrals", "[runner][deliverability]") {
    Harness h;
    h.judged(1, {"u1@gmail.test"},
             {.where = placement::Placement::deferred,
              .reason = "volume: 100 per 1d per sending domain"});
    h.judged(2, {"u2@gmail.test"},
             {.where = placement::Placement::deferred, .reason = "greylisted"});
    DeliverabilityInputs inputs;
    inputs.relay_engagement = {{"quotas", {{"refused", 3}}}};
    auto quotas = h.report(inputs)["quotas"];
    CHECK(quotas["deferred_by_quota"] == 4);
    CHECK(quotas["receiver_deferred"] == 1);
    CHECK(quotas["relay_refused"] == 3);
    CHECK(h.report()["quotas"]["relay_refused"].is_null());
}

TEST_CASE("complaints: true reports over inbox recipient-messages, and complaint deferrals",
          "[runner][deliverability]") {
    Harness h;
    // 3 + 1 inbox recipient-messages, 2 in the spam folder (no base), one complaint deferral.
    h.judged(1, {"a@gmail.test", "b@gmail.test", "c@gmail.test"}, {});
    h.judged(2, {"d@gmail.test"}, {});
    h.judged(3, {"e@gmail.test", "f@gmail.test"}, {.where = placement::Placement::spam});
    h.judged(4, {"g@gmail.test"},
             {.where = placement::Placement::deferred,
              .reason = "complaints: 2 of 1000 inbox messages (0.20%) over 0.10% per 1d"});
    SECTION("without simulated recipients: unknown, not 0") {
        auto complaints = h.report()["complaints"];
        CHECK(complaints["reported"].is_null());
        CHECK(complaints["rate"].is_null());
        CHECK(complaints["inbox"] == 4);
        CHECK(complaints["receiver_deferred"] == 1);
    }
    SECTION("with them: the rate over the inbox") {
        DeliverabilityInputs inputs;
        placement::EngagementTruth truth;
        truth.complaints = 1;
        inputs.truth = truth;
        auto complaints = h.report(inputs)["complaints"];
        CHECK(complaints["reported"] == 1);
        CHECK(complaints["rate"].get<double>() == Approx(0.25));
        // Volume deferrals are not complaint deferrals, nor the other way round.
        CHECK(h.report(inputs)["quotas"]["receiver_deferred"] == 0);
    }
    SECTION("nothing in the inbox: no rate") {
        Harness empty;
        empty.judged(1, {"a@gmail.test"}, {.where = placement::Placement::spam});
        DeliverabilityInputs inputs;
        inputs.truth = placement::EngagementTruth{};
        auto complaints = empty.report(inputs)["complaints"];
        CHECK(complaints["reported"] == 0);
        CHECK(complaints["rate"].is_null());
    }
}

TEST_CASE("expectations read the deliverability section", "[runner][deliverability]") {
    Harness h;
    for (std::uint64_t n = 1; n <= 4; ++n)
        h.judged(n, {"u" + std::to_string(n) + "@gmail.test"},
                 {.where = n == 4 ? placement::Placement::spam : placement::Placement::inbox,
                  .list_unsubscribe = true,
                  .one_click = true});
    DeliverabilityInputs inputs;
    inputs.relay_engagement = {{"tracking", {{"unique_opens", 1}, {"unique_clicks", 0}}}};
    inputs.truth = placement::EngagementTruth{};
    inputs.truth->messages = 4;
    nlohmann::json report = {{"deliverability", h.report(inputs)}};
    struct Case {
        const char* text;
        bool passes;
    };
    auto c = GENERATE(Case{"deliverability.placement[gmail].inbox == 3", true},
                      Case{"deliverability.placement[gmail].spam / "
                           "deliverability.engagement.delivered <= 0.25",
                           true},
                      // A provider that got nothing reads 0, like domains[x].
                      Case{"deliverability.placement[yahoo].inbox == 0", true},
                      // ... but a misspelled field does not.
                      Case{"deliverability.placement[gmail].inbx == 0", false},
                      Case{"deliverability.engagement.open_rate == 0.25", true},
                      Case{"deliverability.unsubscribe.sent_after_unsubscribe == 0", true},
                      Case{"deliverability.unsubscribe.one_click >= 4", true},
                      // Not measured (null) fails rather than passing as 0.
                      Case{"deliverability.spam.mean_score < 5", false});
    INFO(c.text);
    std::string error;
    auto expectation = reports::parse_expectation(c.text, &error);
    REQUIRE(expectation);
    auto result = reports::evaluate(*expectation, report);
    INFO(result.actual);
    CHECK(result.passed == c.passes);
}
