// world.spam, world.recipients and traffic.message.html (issue 13): what they parse to, the
// defaults, provider overrides that start from the defaults, and every error naming its JSON
// pointer (click above open among them).
#include "tests/unit/scenario/scenario_test_support.hpp"

using namespace relaylab::scenario;
using namespace relaylab::scenario::testing;

namespace {

#define TRAFFIC R"("traffic": {"from": "a@shop.test", "to": "b@gmail.test"})"

Scenario parse_world(const ExampleFolder& folder, const std::string& world) {
    return folder.parse(nlohmann::json::parse(R"({"world": )" + world + ", " TRAFFIC "}"));
}

struct Case {
    const char* label;
    const char* world;  // the value of "world"
    const char* pointer;
    const char* says;
};

}  // namespace

TEST_CASE("world.spam: a private spamd by default, or yours at an address", "[scenario]") {
    ExampleFolder folder;
    SECTION("absent: no scoring") {
        CHECK_FALSE(parse_world(folder, "{}").world.spam);
    }
    SECTION("empty object: started by the runner on a free loopback port") {
        auto spam = parse_world(folder, R"({"spam": {}})").world.spam;
        REQUIRE(spam);
        CHECK(spam->start);
        CHECK(spam->address == "127.0.0.1");
        CHECK(spam->port == 0);
        CHECK(spam->children == 2);
        CHECK(spam->timeout == std::chrono::seconds(30));
    }
    SECTION("started, with children and a timeout") {
        auto spam = parse_world(folder, R"({"spam": {"start": true, "children": 4,
                                             "timeout": "5s", "address": "127.0.0.1:0"}})")
                        .world.spam;
        REQUIRE(spam);
        CHECK(spam->children == 4);
        CHECK(spam->timeout == std::chrono::seconds(5));
    }
    SECTION("one that runs already") {
        auto spam = parse_world(folder, R"({"spam": {"start": false, "address": "127.0.0.1:783"}})")
                        .world.spam;
        REQUIRE(spam);
        CHECK_FALSE(spam->start);
        CHECK(spam->address == "127.0.0.1");
        CHECK(spam->port == 783);
    }
}

TEST_CASE("world.recipients: defaults, overrides per provider", "[scenario]") {
    ExampleFolder folder;
    auto world = parse_world(folder, R"({"recipients": {
        "seed": 42, "open": {"inbox": 0.3, "spam": 0.02}, "click": {"inbox": 0.05},
        "unsubscribe": 0.1, "image_blocking": 0.2, "link_scanner": 0.05, "complaint": 0.002,
        "providers": {"gmail": {"open": {"inbox": 0.5}, "link_scanner": 0, "complaint": 0.01},
                      "outlook": {"link_scanner": 0.9}}}})")
                     .world;
    REQUIRE(world.recipients);
    const auto& model = *world.recipients;
    CHECK(model.seed == 42);
    CHECK(model.defaults.open_inbox == Approx(0.3));
    CHECK(model.defaults.open_spam == Approx(0.02));
    CHECK(model.defaults.click_inbox == Approx(0.05));
    CHECK(model.defaults.click_spam == 0);  // the model's default, not written
    CHECK(model.defaults.unsubscribe == Approx(0.1));
    CHECK(model.defaults.image_blocking == Approx(0.2));
    CHECK(model.defaults.link_scanner == Approx(0.05));
    CHECK(model.defaults.complaint == Approx(0.002));
    REQUIRE(model.providers.size() == 2);
    const auto& gmail = model.providers.at("gmail");
    CHECK(gmail.open_inbox == Approx(0.5));
    CHECK(gmail.open_spam == Approx(0.02));  // from the defaults
    CHECK(gmail.link_scanner == 0);
    CHECK(gmail.unsubscribe == Approx(0.1));
    CHECK(gmail.complaint == Approx(0.01));
    CHECK(model.rates_for("outlook").complaint == Approx(0.002));  // from the defaults
    CHECK(model.rates_for("outlook").link_scanner == Approx(0.9));
    CHECK(model.rates_for("yahoo").open_inbox == Approx(0.3));  // no override: the defaults
}

TEST_CASE("world.recipients: an empty object takes the model's defaults", "[scenario]") {
    ExampleFolder folder;
    auto world = parse_world(folder, R"({"recipients": {}})").world;
    REQUIRE(world.recipients);
    relaylab::placement::EngagementRates defaults;
    CHECK(world.recipients->defaults.open_inbox == defaults.open_inbox);
    CHECK(world.recipients->defaults.click_inbox == defaults.click_inbox);
    CHECK(world.recipients->providers.empty());
}

TEST_CASE("traffic.message.html", "[scenario]") {
    ExampleFolder folder;
    auto scenario = folder.parse(nlohmann::json::parse(
        R"({"traffic": {"from": "a@shop.test", "to": "b@gmail.test",
            "message": {"body": "text", "html": "<p>{n}</p>"}}})"));
    CHECK(scenario.traffic.message.html == "<p>{n}</p>");
    CHECK(scenario.traffic.message.body == "text");
}

TEST_CASE("deliverability errors name their JSON pointer", "[scenario]") {
    ExampleFolder folder;
    auto c = GENERATE(
        Case{"unknown key in spam", R"({"spam": {"star": true}})", "/world/spam/star",
             "unknown key"},
        Case{"spam start not a bool", R"({"spam": {"start": "yes"}})", "/world/spam/start",
             "must be true or false"},
        Case{"an external spamd needs its address", R"({"spam": {"start": false}})", "/world/spam",
             "needs \"address\""},
        Case{"an external spamd needs a port",
             R"({"spam": {"start": false, "address": "127.0.0.1:0"}})", "/world/spam/address",
             "\"127.0.0.1:0\""},
        Case{"spam address not an address", R"({"spam": {"address": "spamd.test:783"}})",
             "/world/spam/address", "\"spamd.test:783\""},
        Case{"children for a spamd we do not start",
             R"({"spam": {"start": false, "address": "127.0.0.1:783", "children": 3}})",
             "/world/spam/children", "--max-children"},
        Case{"children zero", R"({"spam": {"children": 0}})", "/world/spam/children",
             "range 1 to 64"},
        Case{"spam timeout too long", R"({"spam": {"timeout": "20m"}})", "/world/spam/timeout",
             "longer than 10m"},
        Case{"unknown key in recipients", R"({"recipients": {"opens": 0.1}})",
             "/world/recipients/opens", "unknown key"},
        Case{"rate above 1", R"({"recipients": {"unsubscribe": 1.5}})",
             "/world/recipients/unsubscribe", "not in the range 0.0 to 1.0"},
        Case{"complaint above 1", R"({"recipients": {"complaint": 2}})",
             "/world/recipients/complaint", "not in the range 0.0 to 1.0"},
        Case{"provider complaint negative",
             R"({"recipients": {"providers": {"gmail": {"complaint": -0.5}}}})",
             "/world/recipients/providers/gmail/complaint", "not in the range"},
        Case{"negative rate", R"({"recipients": {"open": {"inbox": -0.1}}})",
             "/world/recipients/open/inbox", "not in the range"},
        Case{"open not an object", R"({"recipients": {"open": 0.2}})", "/world/recipients/open",
             "must be an object"},
        Case{"unknown placement", R"({"recipients": {"click": {"promotions": 0.1}}})",
             "/world/recipients/click/promotions", "unknown key"},
        Case{"click above open",
             R"({"recipients": {"open": {"inbox": 0.1}, "click": {"inbox": 0.2}}})",
             "/world/recipients/click/inbox", "above the open rate"},
        Case{"click above open in the spam folder",
             R"({"recipients": {"open": {"spam": 0}, "click": {"spam": 0.01}}})",
             "/world/recipients/click/spam", "only people who open can click"},
        Case{
            "a provider's click above its open (inherited)",
            R"({"recipients": {"open": {"inbox": 0.2}, "providers": {"gmail": {"click": {"inbox": 0.3}}}}})",
            "/world/recipients/providers/gmail/click/inbox", "above the open rate"},
        Case{"providers not an object", R"({"recipients": {"providers": ["gmail"]}})",
             "/world/recipients/providers", "must be an object"},
        Case{"provider name with a capital", R"({"recipients": {"providers": {"Gmail": {}}}})",
             "/world/recipients/providers/Gmail", "not a provider name"},
        Case{"seed in a provider", R"({"recipients": {"providers": {"gmail": {"seed": 1}}}})",
             "/world/recipients/providers/gmail/seed", "unknown key"});
    INFO(c.label);
    auto error = parse_error(
        nlohmann::json::parse(std::string(R"({"world": )") + c.world + ", " TRAFFIC "}"), folder);
    CHECK(error.pointer() == c.pointer);
    CHECK_THAT(error.what(), Catch::StartsWith(std::string("s.json: ") + c.pointer + ": "));
    CHECK_THAT(error.what(), Catch::Contains(c.says));
}

TEST_CASE("traffic.message.html errors", "[scenario]") {
    ExampleFolder folder;
    auto bad = GENERATE(std::string(R"({"html": ""})"), std::string(R"({"html": 5})"));
    INFO(bad);
    auto error = parse_error(
        nlohmann::json::parse(R"({"traffic": {"from": "a@shop.test", "to": "b@gmail.test",
                                 "message": )" +
                              bad + "}}"),
        folder);
    CHECK(error.pointer() == "/traffic/message/html");
}

TEST_CASE("traffic.message.header_from: an address template, or an error", "[scenario]") {
    ExampleFolder folder;
    auto parse = [&](const std::string& message) {
        return folder.parse(nlohmann::json::parse(
            R"({"traffic": {"from": "b@esp.test", "to": "c@gmail.test", "message": )" + message +
            "}}"));
    };
    CHECK(parse(R"({"header_from": "news{n}@shop.test"})").traffic.message.header_from ==
          "news{n}@shop.test");
    CHECK(parse("{}").traffic.message.header_from.empty());
    CHECK_THROWS_WITH(parse(R"({"header_from": 5})"),
                      Catch::Contains("/traffic/message/header_from: must be an address"));
    CHECK_THROWS_WITH(parse(R"({"header_from": "not an address"})"),
                      Catch::Contains("/traffic/message/header_from"));
}

TEST_CASE("shards: the number of shards a Kubernetes Indexed Job runs", "[scenario]") {
    ExampleFolder folder;
    CHECK_FALSE(folder.parse(nlohmann::json::parse("{" TRAFFIC "}")).shards);
    CHECK(folder.parse(nlohmann::json::parse(R"({"shards": 4, )" TRAFFIC "}")).shards == 4u);
    for (const char* bad : {"0", "10001", "-1", "2.5", "\"4\""}) {
        INFO(bad);
        ScenarioError error = parse_error(
            nlohmann::json::parse(std::string(R"({"shards": )") + bad + ", " TRAFFIC "}"), folder);
        CHECK(error.pointer() == "/shards");
    }
}
