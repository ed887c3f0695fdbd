// parse_behaviour: the top level of the behaviour format (docs/fake-mx-behaviours.md), strict about
// keys and types so that a typo fails loudly with its JSON pointer instead of silently doing
// nothing.
#include <nlohmann/json.hpp>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/behaviour/json_fields.hpp"
#include "fake-mx/behaviour/presets.hpp"
#include "fake-mx/behaviour/reply_spec.hpp"
#include "fake-mx/behaviour/rule_parser.hpp"
#include "harness/relay/config/config_values.hpp"

namespace relaylab::fakemx {

using detail::Where;

namespace {

using smtp::Phase;

constexpr std::size_t max_text = 1000;
constexpr std::uint64_t max_retry_seconds = 366ull * 24 * 3600;
constexpr std::size_t max_table_entries = 10'000'000;

constexpr unsigned bit(Phase phase) {
    return static_cast<unsigned>(phase);
}

struct ExtensionName {
    std::string_view keyword;  // as advertised in the EHLO reply
    bool smtp::ServerExtensions::*flag;
};
constexpr ExtensionName extension_names[] = {
    {"PIPELINING", &smtp::ServerExtensions::pipelining},
    {"SIZE", &smtp::ServerExtensions::size},
    {"STARTTLS", &smtp::ServerExtensions::starttls},
    {"CHUNKING", &smtp::ServerExtensions::chunking},
    {"SMTPUTF8", &smtp::ServerExtensions::smtputf8},
    {"8BITMIME", &smtp::ServerExtensions::eight_bit_mime},
    {"ENHANCEDSTATUSCODES", &smtp::ServerExtensions::enhanced_status_codes},
    {"DSN", &smtp::ServerExtensions::dsn},
};

bool smtp::ServerExtensions::*extension_flag(const nlohmann::json& name, const Where& where) {
    auto index = detail::get_choice(name, where,
                                    {"PIPELINING", "SIZE", "STARTTLS", "CHUNKING", "SMTPUTF8",
                                     "8BITMIME", "ENHANCEDSTATUSCODES", "DSN"});
    return extension_names[index].flag;
}

// An array lists exactly what is advertised; an object switches single ones on or off.
smtp::ServerExtensions parse_extensions(const nlohmann::json& value, const Where& where) {
    smtp::ServerExtensions extensions;
    if (value.is_array()) {
        for (const auto& name : extension_names)
            extensions.*(name.flag) = false;
        for (std::size_t i = 0; i < value.size(); ++i) {
            extensions.*extension_flag(value[i], where / i) = true;
        }
        return extensions;
    }
    if (!value.is_object()) {
        where.fail("must be an array of extension names or an object of name: true|false, got " +
                   detail::show(value));
    }
    for (const auto& item : value.items()) {
        auto at = where / item.key();
        extensions.*extension_flag(item.key(), at) = detail::get_bool(item.value(), at);
    }
    return extensions;
}

TlsBehaviour parse_tls(const nlohmann::json& value, const Where& where) {
    detail::expect_object(value, where, {"certificate", "versions", "broken_starttls"});
    TlsBehaviour tls;
    if (value.contains("certificate")) {
        static constexpr CertificateKind kinds[] = {
            CertificateKind::valid, CertificateKind::self_signed, CertificateKind::expired,
            CertificateKind::wrong_host, CertificateKind::none};
        tls.certificate =
            kinds[detail::get_choice(value["certificate"], where / "certificate",
                                     {"valid", "self-signed", "expired", "wrong-host", "none"})];
    }
    if (value.contains("versions")) {
        static constexpr TlsVersions versions[] = {TlsVersions::any, TlsVersions::tls1_2,
                                                   TlsVersions::tls1_3, TlsVersions::legacy};
        tls.versions = versions[detail::get_choice(value["versions"], where / "versions",
                                                   {"any", "1.2", "1.3", "legacy"})];
    }
    if (value.contains("broken_starttls")) {
        tls.broken_starttls = detail::get_bool(value["broken_starttls"], where / "broken_starttls");
    }
    return tls;
}

Greylist parse_greylist(const nlohmann::json& value, const Where& where) {
    detail::expect_object(
        value, where, {"min_retry_s", "max_retry_s", "whitelist_s", "reply", "lookup_by_subnet"});
    Greylist greylist;
    // Postfix's text around postgrey's answer: what MTAs log for a greylisted recipient.
    greylist.reply = smtp::make_reply(451, "4.7.1",
                                      "<{recipient}>: Recipient address rejected: Greylisted, see "
                                      "http://postgrey.schweikert.ch/help/{domain}.html");
    auto seconds = [&](const char* key, std::chrono::seconds& out, std::uint64_t min) {
        if (value.contains(key)) {
            out = std::chrono::seconds(
                detail::get_unsigned(value[key], where / key, min, max_retry_seconds));
        }
    };
    seconds("min_retry_s", greylist.min_retry, 0);
    seconds("max_retry_s", greylist.max_retry, 1);
    seconds("whitelist_s", greylist.whitelist_for, 0);
    if (value.contains("lookup_by_subnet")) {
        if (!value["lookup_by_subnet"].is_boolean()) {
            (where / "lookup_by_subnet").fail("must be true or false");
        }
        greylist.lookup_by_subnet = value["lookup_by_subnet"].get<bool>();
    }
    if (greylist.max_retry <= greylist.min_retry) {
        (where / "max_retry_s")
            .fail("must be greater than min_retry_s (" +
                  std::to_string(greylist.min_retry.count()) +
                  "): the retry window would be empty");
    }
    if (value.contains("reply")) {
        greylist.reply = detail::parse_reply(value["reply"], where / "reply", bit(Phase::rcpt));
        if (!greylist.reply.transient()) {
            (where / "reply").fail("a greylist reply must be 4xx, or no sender would ever retry");
        }
    }
    return greylist;
}

Limit parse_limit(const nlohmann::json& value, const Where& where, Phase phase,
                  smtp::Reply default_reply, bool default_disconnect) {
    detail::expect_object(value, where, {"max", "reply", "disconnect"});
    if (!value.contains("max")) (where / "max").fail("missing (the limit itself)");
    Limit limit;
    limit.max = detail::get_unsigned(value["max"], where / "max", 1,
                                     std::numeric_limits<std::uint32_t>::max());
    limit.disconnect = default_disconnect;
    if (value.contains("disconnect")) {
        limit.disconnect = detail::get_bool(value["disconnect"], where / "disconnect");
    }
    limit.reply = std::move(default_reply);
    if (value.contains("reply")) {
        limit.reply = detail::parse_reply(value["reply"], where / "reply", bit(phase));
        if (limit.reply.positive()) (where / "reply").fail("a limit's reply must be 4xx or 5xx");
    } else if (limit.disconnect && limit.reply.code != 421) {
        // 421 is the code that announces the close (RFC 5321 3.8).
        limit.reply.code = 421;
        limit.reply.enhanced = "4.7.0";
        limit.reply.lines.back() += ", closing connection";
    }
    return limit;
}

RateLimits parse_rate_limits(const nlohmann::json& value, const Where& where) {
    detail::expect_object(
        value, where, {"concurrent_connections", "messages_per_connection", "messages_per_minute"});
    RateLimits limits;
    if (value.contains("concurrent_connections")) {
        limits.concurrent_connections = parse_limit(
            value["concurrent_connections"], where / "concurrent_connections", Phase::connect,
            smtp::make_reply(421, "4.7.0",
                             "Too many concurrent SMTP connections from {client_ip}; please try "
                             "again later"),
            true);
    }
    if (value.contains("messages_per_connection")) {
        limits.messages_per_connection = parse_limit(
            value["messages_per_connection"], where / "messages_per_connection", Phase::mail,
            smtp::make_reply(451, "4.7.1",
                             "Too many messages in this connection; please reconnect and try "
                             "again"),
            false);
    }
    if (value.contains("messages_per_minute")) {
        limits.messages_per_minute = parse_limit(
            value["messages_per_minute"], where / "messages_per_minute", Phase::mail,
            smtp::make_reply(451, "4.7.1",
                             "Message rate limit exceeded for {client_ip}; please try again later"),
            false);
    }
    return limits;
}

// "end_of_data": ["<LF>.<LF>", "crlf-dot-cr"]: each a look-alike's wire form or name.
smtp::EodLookalikeSet parse_end_of_data(const nlohmann::json& value, const Where& where) {
    // 17 shapes exist; a longer list repeats itself.
    constexpr std::size_t max_shapes = 17;
    auto names = detail::get_string_list(value, where, max_shapes, 40);
    smtp::EodLookalikeSet set;
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto shape = smtp::parse_eod_lookalike(names[i]);
        if (!shape) {
            (value.is_array() ? where / i : where)
                .fail("\"" + names[i] +
                      "\" is not an end-of-data look-alike: write \"<LF>.<LF>\", "
                      "\"<CR><LF>.<NUL><CR><LF>\", \"lf-dot-crlf\"... (<CR><LF>.<CR><LF> is "
                      "the real end)");
        }
        set.add(*shape);
    }
    return set;
}

// A window: "1d", "60s", "5m" (relay.json's duration syntax) or a number of seconds.
std::chrono::seconds parse_window(const nlohmann::json& value, const Where& where) {
    if (value.is_number_unsigned()) {
        return std::chrono::seconds(detail::get_unsigned(
            value, where, 1, static_cast<std::uint64_t>(relay::limits::max_duration.count())));
    }
    std::string text = detail::get_string(value, where, 20);
    std::string error;
    auto window = relay::parse_duration(text, &error);
    if (!window) where.fail(error + ", got " + detail::show(value));
    if (window->count() == 0) where.fail("must be longer than 0s");
    return *window;
}

// "spam" (accept into the spam folder) or a 4xx/5xx reply at end of data.
placement::PolicyAction parse_action(const nlohmann::json& value, const Where& where) {
    if (value.is_string() && value.get<std::string>() == "spam") {
        return placement::PolicyAction::spam_folder();
    }
    smtp::Reply reply = detail::parse_reply(value, where, bit(Phase::data_end));
    if (reply.positive()) {
        where.fail(
            "must be \"spam\" (file in the spam folder) or a 4xx/5xx reply; a 2xx would "
            "accept the message as if it met the requirement");
    }
    return placement::PolicyAction::refuse(std::move(reply));
}

placement::Requirements parse_requirements(const nlohmann::json& value, const Where& where) {
    // One flag per name, in get_choice's order below.
    static constexpr bool placement::Requirements::*flags[] = {
        &placement::Requirements::spf_or_dkim, &placement::Requirements::spf,
        &placement::Requirements::dkim,        &placement::Requirements::dmarc,
        &placement::Requirements::fcrdns,      &placement::Requirements::tls,
        &placement::Requirements::one_click};
    auto names = detail::get_string_list(value, where, std::size(flags), 20);
    placement::Requirements required;
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto index = detail::get_choice(
            names[i], value.is_array() ? where / i : where,
            {"spf_or_dkim", "spf", "dkim", "dmarc", "fcrdns", "tls", "one_click"});
        required.*flags[index] = true;
    }
    return required;
}

placement::VolumeRule parse_volume_rule(const nlohmann::json& value, const Where& where) {
    detail::expect_object(value, where, {"per", "max", "window", "reply"});
    placement::VolumeRule rule;
    if (value.contains("per")) {
        rule.per =
            detail::get_choice(value["per"], where / "per", {"from_domain", "client_ip"}) == 0
                ? placement::VolumeKey::from_domain
                : placement::VolumeKey::client_ip;
    }
    if (!value.contains("max")) (where / "max").fail("missing (messages allowed per window)");
    rule.max = detail::get_unsigned(value["max"], where / "max", 1,
                                    std::numeric_limits<std::uint32_t>::max());
    if (value.contains("window")) rule.window = parse_window(value["window"], where / "window");
    // Gmail's reply to an unusual rate (support.google.com/a/answer/3726730).
    rule.reply = smtp::make_reply(
        421, "4.7.28",
        rule.per == placement::VolumeKey::client_ip
            ? "Gmail has detected an unusual rate of unsolicited mail originating from your IP "
              "address {client_ip}. To protect our users from spam, mail sent from your IP "
              "address has been temporarily rate limited."
            : "Gmail has detected an unusual rate of unsolicited mail originating from your "
              "domain {from_domain}. To protect our users from spam, mail sent from your domain "
              "has been temporarily rate limited.");
    if (value.contains("reply")) {
        rule.reply = detail::parse_reply(value["reply"], where / "reply", bit(Phase::data_end));
        if (rule.reply.positive()) (where / "reply").fail("a volume reply must be 4xx or 5xx");
    }
    return rule;
}

// "complaints": {"max_rate": 0.003, "min_messages": 1000, "window": "1d", "reply": ...}; every
// key optional (Gmail's figures and reply). "reply": "spam" files the domain's mail as spam.
placement::ComplaintRule parse_complaint_rule(const nlohmann::json& value, const Where& where) {
    detail::expect_object(value, where, {"max_rate", "min_messages", "window", "reply"});
    placement::ComplaintRule rule = placement::default_complaint_rule();
    if (value.contains("max_rate")) {
        // 1 or more could never be exceeded: complaints are of inbox messages.
        rule.max_rate = json::get_number(value["max_rate"], where / "max_rate", 0, 1);
        if (rule.max_rate >= 1) {
            (where / "max_rate").fail("must be below 1 (a share of inbox messages, e.g. 0.003)");
        }
    }
    if (value.contains("min_messages")) {
        rule.min_messages = detail::get_unsigned(value["min_messages"], where / "min_messages", 1,
                                                 std::numeric_limits<std::uint32_t>::max());
    }
    if (value.contains("window")) rule.window = parse_window(value["window"], where / "window");
    if (value.contains("reply")) rule.action = parse_action(value["reply"], where / "reply");
    return rule;
}

placement::SpamThresholds parse_spam_thresholds(const nlohmann::json& value, const Where& where) {
    detail::expect_object(value, where, {"folder_at", "reject_at"});
    // SpamAssassin scores run from about -100 to +1000 with every rule hit.
    constexpr double lowest = -1000, highest = 10000;
    placement::SpamThresholds spam;
    if (value.contains("folder_at")) {
        spam.folder_at = json::get_number(value["folder_at"], where / "folder_at", lowest, highest);
    }
    if (value.contains("reject_at")) {
        spam.reject_at = json::get_number(value["reject_at"], where / "reject_at", lowest, highest);
    }
    if (spam.folder_at && spam.reject_at && *spam.reject_at < *spam.folder_at) {
        (where / "reject_at")
            .fail("must not be below folder_at: mail would be refused before it is spam");
    }
    return spam;
}

// "like": "gmail" starts from a shipped preset's provider, so a scenario can change one
// threshold (a CI-sized bulk threshold, a small daily limit) without copying the rest.
placement::ProviderPolicy preset_provider(const nlohmann::json& value, const Where& where) {
    auto name = detail::get_string(value, where, 64);
    auto text = preset_json(name);
    std::optional<placement::ProviderPolicy> provider;
    if (text) {
        auto document = nlohmann::json::parse(*text, nullptr, false);
        if (!document.is_discarded() && document.contains("provider") &&
            !document["provider"].contains("like")) {
            provider = parse_behaviour(document, "preset " + name).provider;
        }
    }
    if (!provider) {
        where.fail("\"" + name +
                   "\" is not a preset with a provider policy (gmail, yahoo, outlook)");
    }
    return *provider;
}

placement::ProviderPolicy parse_provider(const nlohmann::json& value, const Where& where) {
    detail::expect_object(
        value, where,
        {"like", "name", "bulk_threshold", "bulk_window", "require", "require_bulk",
         "enforce_dmarc_policy", "spam", "volume", "complaints", "replies"});
    placement::ProviderPolicy policy = placement::default_provider_policy();
    if (value.contains("like")) policy = preset_provider(value["like"], where / "like");
    if (!value.contains("name") && !value.contains("like"))
        (where / "name").fail("missing (the provider, e.g. \"gmail\")");
    if (value.contains("name"))
        policy.provider = detail::get_string(value["name"], where / "name", 64);
    if (policy.provider.empty() ||
        policy.provider.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
            std::string::npos) {
        (where / "name").fail("must be a short lower-case word such as \"gmail\"");
    }
    if (value.contains("bulk_threshold")) {
        policy.bulk_threshold =
            detail::get_unsigned(value["bulk_threshold"], where / "bulk_threshold", 0,
                                 std::numeric_limits<std::uint32_t>::max());
    }
    if (value.contains("bulk_window")) {
        policy.bulk_window = parse_window(value["bulk_window"], where / "bulk_window");
    }
    if (value.contains("require"))
        policy.all = parse_requirements(value["require"], where / "require");
    if (value.contains("require_bulk")) {
        policy.bulk = parse_requirements(value["require_bulk"], where / "require_bulk");
    }
    if (value.contains("enforce_dmarc_policy")) {
        policy.enforce_dmarc_policy =
            detail::get_bool(value["enforce_dmarc_policy"], where / "enforce_dmarc_policy");
    }
    if (value.contains("spam")) policy.spam = parse_spam_thresholds(value["spam"], where / "spam");
    if (value.contains("volume")) {
        const auto& rules = value["volume"];
        if (!rules.is_array()) (where / "volume").fail("must be an array of volume rules");
        policy.volume.clear();  // a given list replaces the preset's
        constexpr std::size_t max_volume_rules = 16;
        if (rules.size() > max_volume_rules) {
            (where / "volume").fail("more than " + std::to_string(max_volume_rules) + " rules");
        }
        for (std::size_t i = 0; i < rules.size(); ++i)
            policy.volume.push_back(parse_volume_rule(rules[i], where / "volume" / i));
    }
    if (value.contains("complaints")) {
        // null drops a preset's rule; an object replaces it.
        if (value["complaints"].is_null()) {
            policy.complaints.reset();
        } else {
            policy.complaints = parse_complaint_rule(value["complaints"], where / "complaints");
        }
    }
    if (value.contains("replies")) {
        const auto& replies = value["replies"];
        const Where at = where / "replies";
        detail::expect_object(
            replies, at,
            {"spf_or_dkim", "spf", "dkim", "dmarc", "fcrdns", "fcrdns_unknown", "tls", "one_click",
             "dmarc_reject", "dmarc_quarantine", "spam_reject"});
        auto action = [&](const char* key, placement::PolicyAction& out) {
            if (replies.contains(key)) out = parse_action(replies[key], at / key);
        };
        placement::PolicyActions& a = policy.actions;
        action("spf_or_dkim", a.spf_or_dkim);
        action("spf", a.spf);
        action("dkim", a.dkim);
        action("dmarc", a.dmarc);
        action("fcrdns", a.fcrdns);
        action("fcrdns_unknown", a.fcrdns_unknown);
        action("tls", a.tls);
        action("one_click", a.one_click);
        action("dmarc_reject", a.dmarc_reject);
        action("dmarc_quarantine", a.dmarc_quarantine);
        action("spam_reject", a.spam_reject);
    }
    return policy;
}

}  // namespace

Behaviour parse_behaviour(const nlohmann::json& value, std::string_view source_name) {
    Where root = detail::behaviour_root(source_name);
    detail::expect_object(
        value, root,
        {"name", "description", "hostname", "banner", "extensions", "max_message_size",
         "max_recipients", "require_tls", "tls", "greylist", "rate_limits", "rules", "seed",
         "max_tracked_entries", "bare_newline", "end_of_data", "provider"});
    Behaviour behaviour;
    behaviour.name = std::string(source_name);
    if (value.contains("name"))
        behaviour.name = detail::get_string(value["name"], root / "name", 200);
    if (value.contains("description")) {
        behaviour.description =
            detail::get_string(value["description"], root / "description", max_text);
    }
    if (value.contains("hostname")) {
        behaviour.hostname = detail::get_string(value["hostname"], root / "hostname", 255);
        if (behaviour.hostname->empty() ||
            behaviour.hostname->find_first_of(" \t\r\n") != std::string::npos) {
            (root / "hostname").fail("must be a host name such as \"mx1.example.test\"");
        }
    }
    if (value.contains("banner")) {
        behaviour.banner = detail::get_string(value["banner"], root / "banner", 400);
        if (behaviour.banner->find_first_of("\r\n") != std::string::npos) {
            (root / "banner").fail("must be one line (no CR or LF)");
        }
    }
    if (value.contains("extensions")) {
        behaviour.extensions = parse_extensions(value["extensions"], root / "extensions");
    }
    if (value.contains("max_message_size")) {
        behaviour.max_message_size = detail::get_unsigned(value["max_message_size"],
                                                          root / "max_message_size", 0, 1ull << 40);
    }
    if (value.contains("max_recipients")) {
        // RFC 5321 4.5.3.1.8 lets a server refuse past 100, but fewer is a test worth running.
        behaviour.max_recipients =
            detail::get_unsigned(value["max_recipients"], root / "max_recipients", 1, 1'000'000);
    }
    if (value.contains("require_tls")) {
        behaviour.require_tls = detail::get_bool(value["require_tls"], root / "require_tls");
    }
    if (value.contains("bare_newline")) {
        std::string policy = detail::get_string(value["bare_newline"], root / "bare_newline", 20);
        if (policy == "reject") {
            behaviour.bare_newline = smtp::BareNewlinePolicy::reject;
        } else if (policy == "normalize") {
            behaviour.bare_newline = smtp::BareNewlinePolicy::normalize;
        } else if (policy == "accept") {
            behaviour.bare_newline = smtp::BareNewlinePolicy::accept;
        } else {
            (root / "bare_newline").fail("must be \"reject\", \"normalize\" or \"accept\"");
        }
    }
    if (value.contains("end_of_data")) {
        behaviour.vulnerable_end_of_data =
            parse_end_of_data(value["end_of_data"], root / "end_of_data");
    }
    if (value.contains("tls")) behaviour.tls = parse_tls(value["tls"], root / "tls");
    if (behaviour.require_tls &&
        (behaviour.tls.certificate == CertificateKind::none || !behaviour.extensions.starttls)) {
        (root / "require_tls")
            .fail(
                "TLS is required but STARTTLS is not offered (tls.certificate is \"none\" or "
                "the STARTTLS extension is off): no client could ever send");
    }
    if (value.contains("greylist")) {
        behaviour.greylist = parse_greylist(value["greylist"], root / "greylist");
    }
    if (value.contains("rate_limits")) {
        behaviour.rate_limits = parse_rate_limits(value["rate_limits"], root / "rate_limits");
    }
    if (value.contains("provider")) {
        behaviour.provider = parse_provider(value["provider"], root / "provider");
    }
    if (value.contains("seed")) {
        behaviour.seed = detail::get_unsigned(value["seed"], root / "seed", 0,
                                              std::numeric_limits<std::uint64_t>::max());
    }
    if (value.contains("max_tracked_entries")) {
        behaviour.max_tracked_entries = detail::get_unsigned(
            value["max_tracked_entries"], root / "max_tracked_entries", 1, max_table_entries);
    }
    if (value.contains("rules")) {
        const auto& rules = value["rules"];
        if (!rules.is_array()) (root / "rules").fail("must be an array of rules");
        if (rules.size() > max_rules) {
            (root / "rules").fail("more than " + std::to_string(max_rules) + " rules");
        }
        for (std::size_t i = 0; i < rules.size(); ++i) {
            behaviour.rules.push_back(detail::parse_rule(rules[i], root / "rules" / i, i));
        }
    }
    return behaviour;
}

std::string_view to_string(CertificateKind kind) {
    switch (kind) {
        case CertificateKind::valid:
            return "valid";
        case CertificateKind::self_signed:
            return "self-signed";
        case CertificateKind::expired:
            return "expired";
        case CertificateKind::wrong_host:
            return "wrong-host";
        case CertificateKind::none:
            return "none";
    }
    return "unknown";
}

std::string_view to_string(TlsVersions versions) {
    switch (versions) {
        case TlsVersions::any:
            return "any";
        case TlsVersions::tls1_2:
            return "1.2";
        case TlsVersions::tls1_3:
            return "1.3";
        case TlsVersions::legacy:
            return "legacy";
    }
    return "unknown";
}

std::string_view to_string(Disconnect disconnect) {
    switch (disconnect) {
        case Disconnect::none:
            return "none";
        case Disconnect::before_reply:
            return "before_reply";
        case Disconnect::after_reply:
            return "after_reply";
        case Disconnect::mid_data:
            return "mid_data";
    }
    return "unknown";
}

void apply_server_settings(const Behaviour& behaviour, smtp::ServerConfig& config) {
    if (behaviour.hostname) config.hostname = *behaviour.hostname;
    if (behaviour.banner) config.banner = *behaviour.banner;
    config.extensions = behaviour.extensions;
    // Without a certificate there is nothing to start TLS with.
    if (behaviour.tls.certificate == CertificateKind::none) config.extensions.starttls = false;
    if (behaviour.max_message_size) config.max_message_size = *behaviour.max_message_size;
    if (behaviour.max_recipients) config.max_recipients = *behaviour.max_recipients;
    config.require_tls = behaviour.require_tls;
    if (behaviour.bare_newline) config.bare_newline = *behaviour.bare_newline;
    config.vulnerable_end_of_data = behaviour.vulnerable_end_of_data;
}

}  // namespace relaylab::fakemx
