// The behaviour file's "provider" key: the presets load and say what their descriptions say,
// every threshold, window and reply can be overridden, and mistakes name the JSON pointer.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fake-mx/behaviour/behaviour.hpp"

using namespace relaylab;
using namespace relaylab::fakemx;
using placement::Placement;

namespace {

placement::ProviderPolicy parse_provider_json(const char* text) {
    auto behaviour = parse_behaviour(nlohmann::json::parse(text), "test.json");
    REQUIRE(behaviour.provider);
    return *behaviour.provider;
}

}  // namespace

TEST_CASE("every provider preset loads with its provider", "[parse][presets]") {
    for (const char* name : {"gmail", "yahoo", "outlook"}) {
        INFO("preset " << name);
        auto behaviour = load_behaviour(name);
        REQUIRE(behaviour.provider);
        CHECK(behaviour.provider->provider == name);
        CHECK(behaviour.provider->bulk_threshold == 5000);
        CHECK(behaviour.provider->bulk_window == std::chrono::hours(24));
        CHECK(behaviour.provider->bulk.spf);
        CHECK(behaviour.provider->bulk.dkim);
        CHECK(behaviour.provider->bulk.dmarc);
        CHECK_FALSE(behaviour.provider->volume.empty());
        CHECK(behaviour.description.find("5000") != std::string::npos);
    }
}

TEST_CASE("presets answer as their providers do", "[parse][presets]") {
    SECTION("gmail") {
        auto p = *load_behaviour("gmail").provider;
        CHECK(p.all.spf_or_dkim);
        CHECK(p.all.fcrdns);
        CHECK(p.bulk.one_click);
        CHECK(p.bulk.tls);
        CHECK(p.actions.spf_or_dkim.reply->summary().starts_with(
            "550 5.7.26 This mail has been blocked because the sender is unauthenticated."));
        CHECK(p.actions.fcrdns.reply->summary().starts_with("550 5.7.25 "));
        CHECK(p.actions.dkim.reply->enhanced == "5.7.30");
        CHECK(p.actions.spf.reply->enhanced == "5.7.27");
        CHECK(p.actions.tls.reply->summary().starts_with("421 4.7.29 "));
        CHECK_FALSE(p.actions.one_click.reply);  // spam folder
        CHECK_FALSE(p.actions.dmarc_quarantine.reply);
        CHECK(p.actions.spam_reject.reply->summary().find("likely unsolicited mail") !=
              std::string::npos);
        CHECK(p.volume.at(0).reply.summary().starts_with("421 4.7.28 "));
        CHECK(p.spam.reject_at == 15.0);
        CHECK_FALSE(p.spam.folder_at);  // spamd's own threshold
    }
    SECTION("yahoo") {
        auto p = *load_behaviour("yahoo").provider;
        CHECK(p.actions.spf_or_dkim.reply->summary() ==
              "554 5.7.9 Message not accepted for policy reasons. See "
              "https://senders.yahooinc.com/smtp-error-codes");
        CHECK(p.volume.at(0).per == placement::VolumeKey::client_ip);
        CHECK(p.volume.at(0).reply.summary().starts_with(
            "421 4.7.0 [TSS04] Messages from {client_ip} temporarily deferred due to unexpected "
            "volume or user complaints"));
    }
    SECTION("outlook") {
        auto p = *load_behaviour("outlook").provider;
        CHECK_FALSE(p.all.spf_or_dkim);
        CHECK_FALSE(p.all.fcrdns);
        CHECK_FALSE(p.bulk.one_click);
        CHECK(p.actions.dmarc.reply->summary() ==
              "550 5.7.515 Access denied, sending domain {from_domain} doesn't meet the required "
              "authentication level.");
        CHECK(p.volume.at(0).reply.summary().starts_with(
            "451 4.7.650 The mail server [{client_ip}] has been temporarily rate limited due to "
            "IP reputation."));
    }
}

TEST_CASE("every provider threshold, window and reply is overridable", "[parse][provider]") {
    auto p = parse_provider_json(R"({"provider": {
        "name": "tiny-isp",
        "bulk_threshold": 10, "bulk_window": "60s",
        "require": "spf", "require_bulk": ["dkim", "one_click"],
        "enforce_dmarc_policy": false,
        "spam": {"folder_at": 3, "reject_at": 8.5},
        "volume": [{"per": "client_ip", "max": 5, "window": 120, "reply": "450 4.7.1 slow down"}],
        "replies": {"spf": "spam", "one_click": "550 5.7.1 unsubscribe please",
                    "dmarc_reject": {"code": 451, "enhanced": "4.7.26", "text": ["a", "b"]}}
    }})");
    CHECK(p.provider == "tiny-isp");
    CHECK(p.bulk_threshold == 10);
    CHECK(p.bulk_window == std::chrono::seconds(60));
    CHECK(p.all.spf);
    CHECK_FALSE(p.all.spf_or_dkim);
    CHECK(p.bulk.dkim);
    CHECK(p.bulk.one_click);
    CHECK_FALSE(p.enforce_dmarc_policy);
    CHECK(p.spam.folder_at == 3.0);
    CHECK(p.spam.reject_at == 8.5);
    REQUIRE(p.volume.size() == 1);
    CHECK(p.volume[0].per == placement::VolumeKey::client_ip);
    CHECK(p.volume[0].max == 5);
    CHECK(p.volume[0].window == std::chrono::seconds(120));
    CHECK(p.volume[0].reply.summary() == "450 4.7.1 slow down");
    CHECK_FALSE(p.actions.spf.reply);
    CHECK(p.actions.one_click.reply->summary() == "550 5.7.1 unsubscribe please");
    CHECK(p.actions.dmarc_reject.reply->lines.size() == 2);
    // Unnamed actions keep Gmail's replies.
    CHECK(p.actions.dkim.reply->enhanced == "5.7.30");
}

TEST_CASE("provider mistakes name the JSON pointer", "[parse][errors]") {
    struct Case {
        const char* label;
        const char* json;
        const char* want;
    };
    auto c = GENERATE(values<Case>({
        {"not an object", R"({"provider": "gmail"})", "/provider: must be an object"},
        {"unknown key", R"({"provider": {"name": "x", "bulk": 1}})", "/provider/bulk: unknown key"},
        {"no name", R"({"provider": {}})", "/provider/name: missing"},
        {"bad name", R"({"provider": {"name": "G Mail"}})", "/provider/name: must be a short"},
        {"unknown requirement", R"({"provider": {"name": "x", "require": ["spf", "ptr"]}})",
         "/provider/require/1: unknown value \"ptr\""},
        {"bad window", R"({"provider": {"name": "x", "bulk_window": "1 day"}})",
         "/provider/bulk_window: "},
        {"zero window", R"({"provider": {"name": "x", "bulk_window": "0s"}})",
         "/provider/bulk_window: must be longer than 0s"},
        {"volume without max", R"({"provider": {"name": "x", "volume": [{"window": "1d"}]}})",
         "/provider/volume/0/max: missing"},
        {"volume per what", R"({"provider": {"name": "x", "volume": [{"per": "asn", "max": 1}]}})",
         "/provider/volume/0/per: unknown value \"asn\""},
        {"volume accepts",
         R"({"provider": {"name": "x", "volume": [{"max": 1, "reply": "250 ok"}]}})",
         "/provider/volume/0/reply: a volume reply must be 4xx or 5xx"},
        {"action that accepts",
         R"({"provider": {"name": "x", "replies": {"dkim": "250 2.0.0 fine"}}})",
         "/provider/replies/dkim: must be \"spam\""},
        {"unknown action", R"({"provider": {"name": "x", "replies": {"ptr": "spam"}}})",
         "/provider/replies/ptr: unknown key"},
        {"bad reply", R"({"provider": {"name": "x", "replies": {"spf": "550 4.7.1 no"}}})",
         "/provider/replies/spf: an enhanced status code"},
        {"reject below folder",
         R"({"provider": {"name": "x", "spam": {"folder_at": 5, "reject_at": 4}}})",
         "/provider/spam/reject_at: must not be below folder_at"},
        {"score not a number", R"({"provider": {"name": "x", "spam": {"folder_at": "5"}}})",
         "/provider/spam/folder_at: "},
        {"like no preset", R"({"provider": {"like": "greylist"}})",
         "/provider/like: \"greylist\" is not a preset with a provider policy"},
        {"like not a string", R"({"provider": {"like": 5}})", "/provider/like: "},
        {"complaints not an object", R"({"provider": {"name": "x", "complaints": 0.003}})",
         "/provider/complaints: must be an object"},
        {"complaint rate of 1", R"({"provider": {"name": "x", "complaints": {"max_rate": 1}}})",
         "/provider/complaints/max_rate: must be below 1"},
        {"complaint rate negative",
         R"({"provider": {"name": "x", "complaints": {"max_rate": -0.1}}})",
         "/provider/complaints/max_rate: "},
        {"complaint min zero", R"({"provider": {"name": "x", "complaints": {"min_messages": 0}}})",
         "/provider/complaints/min_messages: "},
        {"complaint reply accepts",
         R"({"provider": {"name": "x", "complaints": {"reply": "250 2.0.0 fine"}}})",
         "/provider/complaints/reply: must be \"spam\""},
        {"complaint unknown key", R"({"provider": {"name": "x", "complaints": {"rate": 0.1}}})",
         "/provider/complaints/rate: unknown key"},
    }));
    INFO(c.label);
    CHECK_THROWS_AS(parse_behaviour(nlohmann::json::parse(c.json), "test.json"), BehaviourError);
    CHECK_THROWS_WITH(parse_behaviour(nlohmann::json::parse(c.json), "test.json"),
                      Catch::StartsWith(std::string("test.json: ") + c.want));
}

TEST_CASE("\"like\" starts from a preset and changes only what is given", "[parse][provider]") {
    auto yahoo = *load_behaviour("yahoo").provider;
    auto p = parse_provider_json(
        R"({"provider": {"like": "yahoo", "bulk_threshold": 100,
                         "volume": [{"per": "from_domain", "max": 50, "window": "1d"}]}})");
    CHECK(p.provider == "yahoo");
    CHECK(p.bulk_threshold == 100);
    CHECK(p.bulk_window == yahoo.bulk_window);
    // The preset's replies stay; the given volume list replaces the preset's.
    REQUIRE(p.actions.spf_or_dkim.reply);
    CHECK(p.actions.spf_or_dkim.reply->summary() == yahoo.actions.spf_or_dkim.reply->summary());
    REQUIRE(p.volume.size() == 1);
    CHECK(p.volume[0].max == 50);
    auto renamed = parse_provider_json(R"({"provider": {"like": "gmail", "name": "gmail-ci"}})");
    CHECK(renamed.provider == "gmail-ci");
}

TEST_CASE("complaint thresholds: presets, defaults and overrides", "[parse][complaints]") {
    auto gmail = *load_behaviour("gmail").provider;
    REQUIRE(gmail.complaints);
    CHECK(gmail.complaints->max_rate == Approx(0.003));
    CHECK(gmail.complaints->min_messages == 1000);
    CHECK(gmail.complaints->window == std::chrono::hours(24));
    REQUIRE(gmail.complaints->action.reply);
    CHECK(gmail.complaints->action.reply->code == 421);
    CHECK(gmail.complaints->action.reply->enhanced == "4.7.28");

    auto yahoo = *load_behaviour("yahoo").provider;
    REQUIRE(yahoo.complaints);
    CHECK(yahoo.complaints->max_rate == Approx(0.003));
    REQUIRE(yahoo.complaints->action.reply);
    CHECK(yahoo.complaints->action.reply->text().find("[TSS04]") != std::string::npos);
    CHECK(yahoo.complaints->action.reply->text().find("user complaints") != std::string::npos);

    CHECK_FALSE(load_behaviour("outlook").provider->complaints);

    SECTION("an empty object is Gmail's rule") {
        auto p = parse_provider_json(R"({"provider": {"name": "x", "complaints": {}}})");
        REQUIRE(p.complaints);
        CHECK(p.complaints->max_rate == Approx(0.003));
        REQUIRE(p.complaints->action.reply);
        CHECK(p.complaints->action.reply->enhanced == "4.7.28");
    }
    SECTION("every key overridable; \"spam\" files instead of deferring") {
        auto p = parse_provider_json(
            R"({"provider": {"like": "gmail", "complaints": {"max_rate": 0.01,
                "min_messages": 20, "window": "2h", "reply": "spam"}}})");
        REQUIRE(p.complaints);
        CHECK(p.complaints->max_rate == Approx(0.01));
        CHECK(p.complaints->min_messages == 20);
        CHECK(p.complaints->window == std::chrono::hours(2));
        CHECK_FALSE(p.complaints->action.reply);
    }
    SECTION("null drops the preset's rule") {
        auto p = parse_provider_json(R"({"provider": {"like": "gmail", "complaints": null}})");
        CHECK_FALSE(p.complaints);
    }
    SECTION("without the key there is no rule") {
        CHECK_FALSE(parse_provider_json(R"({"provider": {"name": "x"}})").complaints);
    }
}
