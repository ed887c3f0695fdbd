// world.spam (spamd scoring of every captured message) and world.recipients (simulated people
// who open, click and unsubscribe): issue 13's deliverability realism. Rates are shares from 0
// to 1; a click needs an open, so a click rate above its open rate is refused where it is.
#include <string>
#include <string_view>

#include "harness/relay/config/config_values.hpp"
#include "harness/scenario/parse_context.hpp"

namespace relaylab::scenario::detail {

namespace {

constexpr unsigned max_spamd_children = 64;
// spamd compiles its rules before answering; 10 minutes is a broken spamd, not a slow one.
constexpr std::chrono::milliseconds max_spamd_timeout{std::chrono::minutes(10)};
constexpr std::size_t max_providers = 100;
constexpr std::size_t max_provider_name = 63;  // one DNS label: provider names are short words

double get_rate(const nlohmann::json& value, const Where& where) {
    return get_number(value, where, 0.0, 1.0);
}

// {"inbox": r, "spam": r}: the two placements a person can find a message in.
void parse_by_placement(const nlohmann::json& value, const Where& where, double& inbox,
                        double& spam) {
    expect_object(value, where, {"inbox", "spam"});
    if (value.contains("inbox")) inbox = get_rate(value["inbox"], where / "inbox");
    if (value.contains("spam")) spam = get_rate(value["spam"], where / "spam");
}

void check_click_below_open(const placement::EngagementRates& rates, const Where& where) {
    // The model draws a click only for a recipient who opened (engagement_model.hpp): a
    // higher click rate could never be reached and would make the truth lie about the input.
    auto check = [&](double click, double open, std::string_view placement) {
        if (click > open) {
            (where / "click" / placement)
                .fail("the click rate " + nlohmann::json(click).dump() +
                      " is above the open rate " + nlohmann::json(open).dump() + " for " +
                      std::string(placement) + ": only people who open can click");
        }
    };
    check(rates.click_inbox, rates.open_inbox, "inbox");
    check(rates.click_spam, rates.open_spam, "spam");
}

// The keys shared by the defaults and each provider's overrides, applied onto `rates`.
void parse_rates(const nlohmann::json& value, const Where& where,
                 placement::EngagementRates& rates) {
    if (value.contains("open"))
        parse_by_placement(value["open"], where / "open", rates.open_inbox, rates.open_spam);
    if (value.contains("click"))
        parse_by_placement(value["click"], where / "click", rates.click_inbox, rates.click_spam);
    if (value.contains("unsubscribe"))
        rates.unsubscribe = get_rate(value["unsubscribe"], where / "unsubscribe");
    if (value.contains("image_blocking"))
        rates.image_blocking = get_rate(value["image_blocking"], where / "image_blocking");
    if (value.contains("link_scanner"))
        rates.link_scanner = get_rate(value["link_scanner"], where / "link_scanner");
    if (value.contains("complaint"))
        rates.complaint = get_rate(value["complaint"], where / "complaint");
}

bool is_provider_name(std::string_view name) {
    if (name.empty() || name.size() > max_provider_name) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

SpamWorld parse_spam(const nlohmann::json& value, const Where& where) {
    expect_object(value, where, {"start", "address", "timeout", "children"});
    SpamWorld spam;
    if (value.contains("start")) spam.start = get_bool(value["start"], where / "start");
    if (value.contains("address")) {
        auto at = where / "address";
        auto text = get_string(value["address"], at, max_text);
        std::string error;
        // A spamd the runner starts may listen on port 0 (a free one); one that runs already
        // needs its port.
        auto host_port = relay::parse_host_port(
            text, relay::HostRule::address_literal,
            spam.start ? relay::PortRule::listener : relay::PortRule::remote, &error);
        if (!host_port) at.fail(show(value["address"]) + ": " + error);
        spam.address = host_port->host;
        spam.port = host_port->port;
    } else if (!spam.start) {
        where.fail(
            "needs \"address\" when \"start\" is false: where your spamd listens, e.g. "
            "\"127.0.0.1:783\"");
    }
    if (value.contains("timeout")) {
        spam.timeout = get_duration(value["timeout"], where / "timeout",
                                    std::chrono::milliseconds(1), max_spamd_timeout);
    }
    if (value.contains("children")) {
        if (!spam.start) {
            (where / "children")
                .fail(
                    "is spamd's --max-children, for a spamd the runner starts (\"start\": "
                    "true); yours has its own");
        }
        spam.children = static_cast<unsigned>(
            get_unsigned(value["children"], where / "children", 1, max_spamd_children));
    }
    return spam;
}

placement::EngagementModel parse_simulated_recipients(const nlohmann::json& value,
                                                      const Where& where) {
    expect_object(value, where,
                  {"seed", "open", "click", "unsubscribe", "image_blocking", "link_scanner",
                   "complaint", "providers"});
    placement::EngagementModel model;
    if (value.contains("seed")) {
        model.seed = get_unsigned(value["seed"], where / "seed", 0,
                                  std::numeric_limits<std::uint64_t>::max());
    }
    parse_rates(value, where, model.defaults);
    check_click_below_open(model.defaults, where);
    if (value.contains("providers")) {
        const auto& providers = value["providers"];
        auto at = where / "providers";
        if (!providers.is_object()) {
            at.fail(
                "must be an object of provider names to rates, e.g. {\"gmail\": {\"open\": "
                "{\"inbox\": 0.3}}}, got " +
                show(providers));
        }
        if (providers.size() > max_providers)
            at.fail("has more than " + std::to_string(max_providers) + " providers");
        for (const auto& [name, item] : providers.items()) {
            auto here = at / name;
            if (!is_provider_name(name)) {
                here.fail(
                    "is not a provider name (lower-case letters, digits, '-' and '_', "
                    "like the fake MX's \"gmail\", \"yahoo\", \"outlook\")");
            }
            expect_object(
                item, here,
                {"open", "click", "unsubscribe", "image_blocking", "link_scanner", "complaint"});
            // A provider's rates start from the defaults: only what differs is written.
            auto rates = model.defaults;
            parse_rates(item, here, rates);
            check_click_below_open(rates, here);
            model.providers.emplace(name, rates);
        }
    }
    return model;
}

}  // namespace relaylab::scenario::detail
