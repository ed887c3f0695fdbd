// The engagement draws: over many recipients the rates land on the configured ones (within 4
// standard deviations of a binomial), and a draw depends on (seed, message, recipient) only.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "fake-mx/placement/model/engagement_model.hpp"

using namespace relaylab::placement;

namespace {

constexpr int draws = 20'000;

struct Counts {
    int opens = 0, images = 0, clicks = 0, unsubscribes = 0, scanned = 0, complaints = 0;
};

Counts count_draws(const EngagementModel& model, std::string_view provider, Placement placement) {
    Counts counts;
    for (int i = 0; i < draws; ++i) {
        // Neighbouring keys, as a run's ids are: the hash must still spread them.
        EngagementDraw d =
            draw_engagement(model, provider, placement, "msg-" + std::to_string(i / 4),
                            "rcpt" + std::to_string(i % 4) + "@example.net");
        counts.opens += d.opens;
        counts.images += d.loads_images;
        counts.clicks += d.clicks;
        counts.unsubscribes += d.unsubscribes;
        counts.scanned += d.scanned;
        counts.complaints += d.complains;
        if (d.clicks || d.loads_images || d.unsubscribes) REQUIRE(d.opens);
    }
    return counts;
}

// |observed - n p| <= 4 sqrt(n p (1-p)): a false alarm once in ~16,000 runs, and the draws are
// deterministic, so a pass stays a pass.
void check_rate(const char* what, int observed, int n, double p) {
    double mean = n * p;
    double sigma = std::sqrt(n * p * (1 - p));
    INFO(what << ": got " << observed << " of " << n << ", want " << mean << " +- " << 4 * sigma);
    CHECK(std::abs(observed - mean) <= 4 * sigma + 1e-9);
}

}  // namespace

TEST_CASE("rates land on the configured ones", "[engagement]") {
    EngagementModel model;
    model.seed = 42;
    model.defaults.open_inbox = 0.20;
    model.defaults.click_inbox = 0.03;
    model.defaults.open_spam = 0.02;
    model.defaults.click_spam = 0.005;
    model.defaults.unsubscribe = 0.10;
    model.defaults.image_blocking = 0.30;
    model.defaults.link_scanner = 0.15;
    model.defaults.complaint = 0.05;

    SECTION("inbox") {
        Counts c = count_draws(model, "", Placement::inbox);
        check_rate("opens", c.opens, draws, 0.20);
        check_rate("clicks (of delivered)", c.clicks, draws, 0.03);
        check_rate("image loads (of opens)", c.images, c.opens, 0.70);
        check_rate("unsubscribes (of opens)", c.unsubscribes, c.opens, 0.10);
        check_rate("scanned", c.scanned, draws, 0.15);
        check_rate("complaints", c.complaints, draws, 0.05);
    }
    SECTION("spam folder: rarely opened, still scanned, never complained about") {
        Counts c = count_draws(model, "", Placement::spam);
        check_rate("opens", c.opens, draws, 0.02);
        check_rate("clicks", c.clicks, draws, 0.005);
        check_rate("scanned", c.scanned, draws, 0.15);
        CHECK(c.complaints == 0);
    }
    SECTION("rejected and deferred mail: nothing happens") {
        for (Placement p : {Placement::rejected, Placement::deferred}) {
            Counts c = count_draws(model, "", p);
            CHECK(c.opens + c.clicks + c.scanned + c.images + c.unsubscribes + c.complaints == 0);
        }
    }
}

TEST_CASE("per-provider rates override the defaults", "[engagement]") {
    EngagementModel model;
    model.defaults.open_inbox = 0.15;
    EngagementRates gmail;
    gmail.open_inbox = 0.40;
    gmail.click_inbox = 0.05;
    gmail.link_scanner = 0.0;
    model.providers["gmail"] = gmail;
    check_rate("gmail opens", count_draws(model, "gmail", Placement::inbox).opens, draws, 0.40);
    check_rate("gmail clicks", count_draws(model, "gmail", Placement::inbox).clicks, draws, 0.05);
    check_rate("other opens", count_draws(model, "yahoo", Placement::inbox).opens, draws, 0.15);
}

TEST_CASE("certain and impossible rates are exact", "[engagement]") {
    EngagementModel model;
    model.defaults = EngagementRates{1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0};
    Counts inbox = count_draws(model, "", Placement::inbox);
    CHECK(inbox.opens == draws);
    CHECK(inbox.images == draws);
    CHECK(inbox.clicks == draws);
    CHECK(inbox.unsubscribes == draws);
    CHECK(inbox.scanned == 0);
    CHECK(inbox.complaints == 0);
    model.defaults.complaint = 1.0;
    CHECK(count_draws(model, "", Placement::inbox).complaints == draws);
    // The complaint draw is its own stream: the other draws do not move.
    Counts with_complaints = count_draws(model, "", Placement::inbox);
    CHECK(with_complaints.opens == inbox.opens);
    CHECK(with_complaints.scanned == inbox.scanned);
    model.defaults.complaint = 0.0;
    Counts spam = count_draws(model, "", Placement::spam);
    CHECK(spam.opens + spam.clicks == 0);
    // A click rate above the open rate cannot happen: clickers are openers.
    model.defaults = EngagementRates{0.1, 0.0, 0.5, 0.0, 0.0, 1.0, 0.0};
    Counts capped = count_draws(model, "", Placement::inbox);
    CHECK(capped.clicks == capped.opens);
    CHECK(capped.images == 0);
}

TEST_CASE("draws are stable: the same inputs, the same draw; the seed changes them",
          "[engagement]") {
    EngagementModel model;
    model.defaults.open_inbox = 0.5;
    model.defaults.click_inbox = 0.25;
    model.defaults.link_scanner = 0.5;
    auto pattern = [&](std::uint64_t seed) {
        model.seed = seed;
        std::string bits;
        for (int i = 0; i < 64; ++i) {
            EngagementDraw d = draw_engagement(model, "", Placement::inbox, "m" + std::to_string(i),
                                               "r@example.net");
            bits += d.opens ? (d.clicks ? 'C' : 'O') : (d.scanned ? 's' : '.');
        }
        return bits;
    };
    std::string first = pattern(7);
    CHECK(pattern(7) == first);
    CHECK(pattern(8) != first);
    // Pinned: FNV-1a and splitmix64 are fixed algorithms, so these must never change between
    // builds, compilers or standard libraries (a replayed run keeps its truth).
    CHECK(first == ".sO..sOs.OsCCCC.COOs..sOOC.CssCCsOCOOOs.OsCsOOs.CCOO.O.ssCOOOs.s");
    CHECK(engagement_key(1, "m", "r") == 1798642831094646615ULL);
    CHECK(engagement_key(1, "ab", "c") != engagement_key(1, "a", "bc"));
    double u = engagement_uniform(engagement_key(1, "m", "r"), 16);
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
}
