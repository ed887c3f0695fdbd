// parse_relay_config / load_relay_config: the relay.json format of relay_config_json.hpp, strict
// about keys and types so that a typo fails loudly with its JSON pointer.
#include "harness/relay/config/relay_config_json.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "harness/net/ip_range.hpp"
#include "harness/relay/config/config_json_fields.hpp"
#include "harness/relay/config/config_values.hpp"
#include "harness/smtp/address.hpp"

namespace relaylab::relay {

using detail::Where;

namespace {

// Bounds of what a file may ask for: generous for real use, small enough that a typo with extra
// digits is caught rather than obeyed (and nothing later overflows).
constexpr std::size_t max_text = 1000;
constexpr std::size_t max_path = 4096;  // PATH_MAX
constexpr std::size_t max_domain = 255;
constexpr std::size_t max_list_items = 100'000;  // trusted_networks, relay_domains, users, dkim
constexpr std::size_t max_destinations = 100'000;
constexpr std::uint64_t max_inbound_connections = 1'000'000;
constexpr std::uint64_t max_destination_connections = 10'000;
constexpr std::uint64_t max_messages_per_connection = 10'000'000;
// RFC 5321 4.5.3.1.8 asks servers to take at least 100; no server takes a million.
constexpr std::uint64_t max_recipients_per_transaction = 1'000'000;
constexpr double max_rate = 1e9;
constexpr std::uint64_t max_auth_failures_per_minute = 1000;  // AuthLimiter keeps as many stamps
constexpr std::uint64_t max_message_size = 1ull << 40;
constexpr std::uint64_t max_threads = 1024;
constexpr double max_multiplier = 100;
constexpr double max_jitter = 0.9;  // 1 would allow a retry at once

class Parser {
  public:
    Parser(std::string source, std::filesystem::path base)
        : root_(detail::config_root(source)), base_(std::move(base)) {}

    RelayConfig parse(const nlohmann::json& document);

  private:
    std::filesystem::path get_path(const nlohmann::json& value, const Where& where) const {
        auto text = detail::get_string(value, where, max_path);
        if (text.empty()) where.fail("must not be empty: a file or directory name");
        std::filesystem::path path(text);
        if (path.is_relative() && !base_.empty()) path = base_ / path;
        return path;
    }

    // A file the relay will open at start-up: refusing now names the key that points to it.
    std::filesystem::path get_existing_file(const nlohmann::json& value, const Where& where) const {
        auto path = get_path(value, where);
        std::error_code ec;
        auto status = std::filesystem::status(path, ec);
        if (ec || !std::filesystem::exists(status)) {
            where.fail(detail::show(value) + ": no such file (" + path.string() + ")");
        }
        if (!std::filesystem::is_regular_file(status)) {
            where.fail(detail::show(value) + ": not a regular file (" + path.string() + ")");
        }
        return path;
    }

    std::string get_domain(const nlohmann::json& value, const Where& where) const {
        auto text = detail::get_string(value, where, max_domain);
        if (!smtp::is_valid_domain(text)) {
            where.fail(detail::show(value) +
                       " is not a domain name (labels of letters, digits and hyphens, "
                       "separated by dots)");
        }
        return fold_domain(text);
    }

    HostPort get_host_port(const nlohmann::json& value, const Where& where, HostRule host_rule,
                           PortRule port_rule) const {
        auto text = detail::get_string(value, where, max_text);
        std::string error;
        auto parsed = parse_host_port(text, host_rule, port_rule, &error);
        if (!parsed) where.fail(detail::show(value) + ": " + error);
        return *parsed;
    }

    std::string get_tls_level(const nlohmann::json& value, const Where& where) const {
        auto text = detail::get_string(value, where, max_text);
        if (!is_tls_level(text)) {
            where.fail(detail::show(value) + " is not a TLS level (" +
                       std::string(tls_levels_text) + ")");
        }
        return text;
    }

    ListenerSettings parse_listener(const nlohmann::json& value, const Where& where) const;
    AuthUser parse_user(const nlohmann::json& value, const Where& where) const;
    SmarthostRoute parse_smarthost(const nlohmann::json& value, const Where& where) const;
    DestinationPolicy parse_destination(const nlohmann::json& value, const Where& where) const;
    RetrySettings parse_retry(const nlohmann::json& value, const Where& where) const;
    DkimSigning parse_dkim(const nlohmann::json& value, const Where& where) const;
    UnsubscribeSettings parse_unsubscribe(const nlohmann::json& value, const Where& where) const;
    TrackingSettings parse_tracking(const nlohmann::json& value, const Where& where) const;
    SenderQuota parse_quota(const nlohmann::json& value, const Where& where) const;
    void parse_trusted_networks(const nlohmann::json& value, const Where& where,
                                RelayConfig& config) const;
    void parse_relay_domains(const nlohmann::json& value, const Where& where,
                             RelayConfig& config) const;
    void check_whole(const nlohmann::json& document, const RelayConfig& config) const;

    Where root_;
    std::filesystem::path base_;
};

ListenerSettings Parser::parse_listener(const nlohmann::json& value, const Where& where) const {
    ListenerSettings listener;
    const nlohmann::json* listen = &value;
    Where listen_where = where;
    if (value.is_object()) {
        detail::expect_object(value, where, {"listen", "implicit_tls"});
        if (!value.contains("listen")) {
            where.fail(
                "needs \"listen\": the address and port to accept on, e.g. "
                "\"127.0.0.1:2525\"");
        }
        listen = &value["listen"];
        listen_where = where / "listen";
        if (value.contains("implicit_tls"))
            listener.implicit_tls = detail::get_bool(value["implicit_tls"], where / "implicit_tls");
    } else if (!value.is_string()) {
        where.fail(
            "must be \"ADDRESS:PORT\" or an object {\"listen\": \"ADDRESS:PORT\", "
            "\"implicit_tls\": false}, got " +
            detail::show(value));
    }
    auto host_port =
        get_host_port(*listen, listen_where, HostRule::address_literal, PortRule::listener);
    listener.address = host_port.host;
    listener.port = host_port.port;
    return listener;
}

AuthUser Parser::parse_user(const nlohmann::json& value, const Where& where) const {
    detail::expect_object(value, where, {"name", "password"});
    for (auto key : {"name", "password"}) {
        if (!value.contains(key)) where.fail(std::string("needs \"") + key + "\"");
    }
    AuthUser user;
    user.name = detail::get_string(value["name"], where / "name", max_text);
    // Never echo a password in an error: messages go to terminals, CI logs and bug reports.
    if (!value["password"].is_string()) {
        (where / "password").fail("must be a string (the value is not shown: it is a password)");
    }
    user.password = value["password"].get<std::string>();
    if (user.password.size() > max_text) {
        (where / "password").fail("is longer than " + std::to_string(max_text) + " characters");
    }
    if (user.name.empty()) (where / "name").fail("must not be empty");
    if (user.password.empty()) (where / "password").fail("must not be empty");
    return user;
}

SmarthostRoute Parser::parse_smarthost(const nlohmann::json& value, const Where& where) const {
    SmarthostRoute route;
    if (value.is_string()) {
        route.server = get_host_port(value, where, HostRule::name_or_address, PortRule::remote);
        return route;
    }
    if (!value.is_object()) {
        where.fail(
            "must be \"HOST:PORT\" or an object with \"server\", \"auth\", \"tls\" and "
            "\"implicit_tls\", got " +
            detail::show(value));
    }
    detail::expect_object(value, where, {"server", "auth", "tls", "implicit_tls"});
    if (!value.contains("server")) where.fail("needs \"server\": the smarthost's \"HOST:PORT\"");
    route.server = get_host_port(value["server"], where / "server", HostRule::name_or_address,
                                 PortRule::remote);
    if (value.contains("tls")) route.tls = get_tls_level(value["tls"], where / "tls");
    if (value.contains("implicit_tls"))
        route.implicit_tls = detail::get_bool(value["implicit_tls"], where / "implicit_tls");
    if (value.contains("auth")) {
        route.auth = parse_user(value["auth"], where / "auth");
        // A password is never sent in the clear (RFC 4954 4 leaves it to policy; ours is no).
        if (route.tls == "none" && !route.implicit_tls) {
            (where / "tls")
                .fail(
                    "\"none\" would send the AUTH password in the clear: use \"encrypt\", "
                    "\"verify\" or \"dane\" (or implicit_tls)");
        }
    }
    return route;
}

DestinationPolicy Parser::parse_destination(const nlohmann::json& value, const Where& where) const {
    detail::expect_object(value, where,
                          {"tls", "max_connections", "messages_per_connection", "max_recipients",
                           "max_messages_per_second", "max_messages_per_minute", "smarthost"});
    DestinationPolicy policy;
    if (value.contains("tls")) policy.tls = get_tls_level(value["tls"], where / "tls");
    if (value.contains("max_connections")) {
        policy.max_connections = detail::get_unsigned(
            value["max_connections"], where / "max_connections", 1, max_destination_connections);
    }
    if (value.contains("messages_per_connection")) {
        policy.messages_per_connection =
            detail::get_unsigned(value["messages_per_connection"],
                                 where / "messages_per_connection", 1, max_messages_per_connection);
    }
    if (value.contains("max_recipients")) {
        policy.max_recipients = detail::get_unsigned(
            value["max_recipients"], where / "max_recipients", 1, max_recipients_per_transaction);
    }
    if (value.contains("max_messages_per_second")) {
        policy.max_messages_per_second = detail::get_number(
            value["max_messages_per_second"], where / "max_messages_per_second", 0, max_rate);
    }
    if (value.contains("max_messages_per_minute")) {
        policy.max_messages_per_minute = detail::get_number(
            value["max_messages_per_minute"], where / "max_messages_per_minute", 0, max_rate);
    }
    if (value.contains("smarthost"))
        policy.smarthost = parse_smarthost(value["smarthost"], where / "smarthost");
    return policy;
}

RetrySettings Parser::parse_retry(const nlohmann::json& value, const Where& where) const {
    detail::expect_object(value, where,
                          {"minimal_backoff", "maximal_backoff", "multiplier", "jitter",
                           "maximal_queue_lifetime", "bounce_queue_lifetime"});
    RetrySettings retry;
    if (value.contains("minimal_backoff")) {
        retry.minimal_backoff =
            detail::get_duration(value["minimal_backoff"], where / "minimal_backoff");
        if (retry.minimal_backoff.count() == 0) {
            (where / "minimal_backoff")
                .fail("must be at least 1s: a deferred message would be retried in a loop");
        }
    }
    if (value.contains("maximal_backoff"))
        retry.maximal_backoff =
            detail::get_duration(value["maximal_backoff"], where / "maximal_backoff");
    if (retry.maximal_backoff < retry.minimal_backoff) {
        auto at = value.contains("maximal_backoff") ? where / "maximal_backoff"
                                                    : where / "minimal_backoff";
        at.fail("maximal_backoff (" + format_duration(retry.maximal_backoff) +
                ") must not be shorter than minimal_backoff (" +
                format_duration(retry.minimal_backoff) + ")");
    }
    if (value.contains("multiplier"))
        retry.multiplier =
            detail::get_number(value["multiplier"], where / "multiplier", 1, max_multiplier);
    if (value.contains("jitter"))
        retry.jitter = detail::get_number(value["jitter"], where / "jitter", 0, max_jitter);
    // 0 is meaningful for the lifetimes, as in Postfix: bounce at the first deferral.
    if (value.contains("maximal_queue_lifetime")) {
        retry.maximal_queue_lifetime =
            detail::get_duration(value["maximal_queue_lifetime"], where / "maximal_queue_lifetime");
    }
    if (value.contains("bounce_queue_lifetime")) {
        retry.bounce_queue_lifetime =
            detail::get_duration(value["bounce_queue_lifetime"], where / "bounce_queue_lifetime");
    }
    return retry;
}

DkimSigning Parser::parse_dkim(const nlohmann::json& value, const Where& where) const {
    detail::expect_object(value, where, {"domain", "selector", "private_key"});
    for (auto key : {"domain", "selector", "private_key"}) {
        if (!value.contains(key)) where.fail(std::string("needs \"") + key + "\"");
    }
    DkimSigning signing;
    signing.domain = get_domain(value["domain"], where / "domain");
    auto selector = detail::get_string(value["selector"], where / "selector", max_domain);
    // RFC 6376 3.1: a selector is one or more sub-domain labels.
    if (!smtp::is_valid_domain(selector)) {
        (where / "selector")
            .fail(detail::show(value["selector"]) +
                  " is not a selector (labels of letters, digits and hyphens)");
    }
    signing.selector = selector;
    signing.private_key = get_existing_file(value["private_key"], where / "private_key");
    return signing;
}

UnsubscribeSettings Parser::parse_unsubscribe(const nlohmann::json& value,
                                              const Where& where) const {
    detail::expect_object(value, where, {"listen", "add_headers", "suppression_file", "ca_dir"});
    UnsubscribeSettings settings;
    if (value.contains("listen"))
        settings.listen = parse_listener(value["listen"], where / "listen");
    if (value.contains("add_headers"))
        settings.add_headers = detail::get_bool(value["add_headers"], where / "add_headers");
    if (value.contains("suppression_file")) {
        auto text =
            detail::get_string(value["suppression_file"], where / "suppression_file", max_text);
        if (text.empty()) (where / "suppression_file").fail("must not be empty");
        std::filesystem::path file(text);
        settings.suppression_file = file.is_absolute() ? file : base_ / file;
    }
    if (value.contains("ca_dir")) {
        auto text = detail::get_string(value["ca_dir"], where / "ca_dir", max_text);
        if (text.empty()) (where / "ca_dir").fail("must not be empty");
        std::filesystem::path dir(text);
        settings.ca_dir = dir.is_absolute() ? dir : base_ / dir;
    }
    return settings;
}

TrackingSettings Parser::parse_tracking(const nlohmann::json& value, const Where& where) const {
    detail::expect_object(value, where, {"listen", "opens", "clicks"});
    TrackingSettings settings;
    if (value.contains("listen"))
        settings.listen = parse_listener(value["listen"], where / "listen");
    if (value.contains("opens")) settings.opens = detail::get_bool(value["opens"], where / "opens");
    if (value.contains("clicks"))
        settings.clicks = detail::get_bool(value["clicks"], where / "clicks");
    if (!settings.opens && !settings.clicks)
        where.fail("tracks nothing: set \"opens\" or \"clicks\" (or leave \"tracking\" out)");
    return settings;
}

SenderQuota Parser::parse_quota(const nlohmann::json& value, const Where& where) const {
    detail::expect_object(value, where, {"sender", "max", "per"});
    for (auto key : {"sender", "max"}) {
        if (!value.contains(key)) where.fail(std::string("needs \"") + key + "\"");
    }
    SenderQuota quota;
    quota.sender = detail::get_string(value["sender"], where / "sender", max_text);
    if (quota.sender.empty()) (where / "sender").fail("must not be empty (\"*\" is every sender)");
    quota.max =
        static_cast<std::uint64_t>(detail::get_number(value["max"], where / "max", 1, 1e12));
    if (value.contains("per")) {
        quota.per = detail::get_duration(value["per"], where / "per");
        if (quota.per.count() == 0) (where / "per").fail("must be at least 1s");
    }
    return quota;
}

void Parser::parse_trusted_networks(const nlohmann::json& value, const Where& where,
                                    RelayConfig& config) const {
    config.trusted_networks = detail::get_string_list(value, where, max_list_items, max_text);
    for (std::size_t i = 0; i < config.trusted_networks.size(); ++i) {
        std::string error;
        if (!net::parse_ip_range(config.trusted_networks[i], &error)) {
            (where / i).fail(detail::show(value[i]) +
                             " is not an address or a CIDR block like \"192.0.2.0/24\" or "
                             "\"2001:db8::/32\": " +
                             error);
        }
    }
}

void Parser::parse_relay_domains(const nlohmann::json& value, const Where& where,
                                 RelayConfig& config) const {
    auto domains = detail::get_string_list(value, where, max_list_items, max_domain);
    config.relay_domains.clear();
    for (std::size_t i = 0; i < domains.size(); ++i) {
        std::string_view domain = domains[i];
        if (!domain.empty() && domain.front() == '.') domain.remove_prefix(1);
        if (!smtp::is_valid_domain(domain)) {
            (where / i).fail(detail::show(value[i]) +
                             " is not a domain name (\"example.test\", or \".example.test\" for "
                             "its subdomains)");
        }
        config.relay_domains.push_back(fold_domain(domains[i]));
    }
}

// Rules that tie keys together, checked once everything is read.
void Parser::check_whole(const nlohmann::json& document, const RelayConfig& config) const {
    if (!config.relay_in && !config.submission) {
        root_.fail(
            "no listener: give \"relay_in\" or \"submission\" (or both), e.g. "
            "\"relay_in\": \"127.0.0.1:2525\"");
    }
    for (auto [key, listener] :
         {std::pair{"relay_in", &config.relay_in}, std::pair{"submission", &config.submission}}) {
        if (*listener && (*listener)->implicit_tls && !config.tls) {
            (root_ / key / "implicit_tls")
                .fail(
                    "true needs a server certificate: add \"tls\": {\"certificate\": ..., "
                    "\"private_key\": ...}");
        }
    }
    // Two listeners on one fixed address and port would fail at bind time with a vaguer message.
    struct Bound {
        const char* key;
        std::optional<HostPort> at;
    };
    auto listener_at = [](const std::optional<ListenerSettings>& listener) {
        return listener ? std::optional<HostPort>(HostPort{listener->address, listener->port})
                        : std::nullopt;
    };
    const Bound bound[] = {{"relay_in", listener_at(config.relay_in)},
                           {"submission", listener_at(config.submission)},
                           {"admin", config.admin}};
    for (std::size_t i = 0; i < std::size(bound); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            const auto& a = bound[i].at;
            const auto& b = bound[j].at;
            if (a && b && a->port != 0 && a->port == b->port && a->host == b->host) {
                (root_ / bound[i].key)
                    .fail("\"" + format_host_port(*a) + "\" is already the address of /" +
                          bound[j].key + ": each listener needs its own port");
            }
        }
    }
    if (config.admin && !is_loopback_host(config.admin->host)) {
        (root_ / "admin")
            .fail(detail::show(document["admin"]) +
                  ": the admin API has no authentication, so it listens on loopback only "
                  "(127.0.0.0/8 or [::1])");
    }
}

RelayConfig Parser::parse(const nlohmann::json& document) {
    detail::expect_object(document, root_,
                          {"hostname",
                           "relay_in",
                           "submission",
                           "tls",
                           "spool",
                           "spool_fsync",
                           "dns",
                           "mx_port",
                           "trusted_networks",
                           "relay_domains",
                           "users",
                           "auth_failures_per_minute",
                           "max_message_size",
                           "max_connections",
                           "smtpd_timeout",
                           "admin",
                           "event_log",
                           "threads",
                           "retry",
                           "destinations",
                           "smarthost",
                           "dkim",
                           "unsubscribe",
                           "tracking",
                           "quotas"});
    RelayConfig config;
    auto has = [&](const char* key) { return document.contains(key); };
    if (has("hostname")) config.hostname = get_domain(document["hostname"], root_ / "hostname");
    if (has("relay_in")) config.relay_in = parse_listener(document["relay_in"], root_ / "relay_in");
    if (has("submission"))
        config.submission = parse_listener(document["submission"], root_ / "submission");
    if (has("tls")) {
        auto where = root_ / "tls";
        detail::expect_object(document["tls"], where, {"certificate", "private_key"});
        for (auto key : {"certificate", "private_key"}) {
            if (!document["tls"].contains(key)) where.fail(std::string("needs \"") + key + "\"");
        }
        config.tls =
            TlsFiles{get_existing_file(document["tls"]["certificate"], where / "certificate"),
                     get_existing_file(document["tls"]["private_key"], where / "private_key")};
    }
    if (has("spool")) config.spool = get_path(document["spool"], root_ / "spool");
    if (has("spool_fsync"))
        config.spool_fsync = detail::get_bool(document["spool_fsync"], root_ / "spool_fsync");
    if (has("dns")) {
        config.dns = get_host_port(document["dns"], root_ / "dns", HostRule::address_literal,
                                   PortRule::remote);
    }
    if (has("mx_port")) {
        config.mx_port = static_cast<std::uint16_t>(
            detail::get_unsigned(document["mx_port"], root_ / "mx_port", 1, 65535));
    }
    if (has("trusted_networks"))
        parse_trusted_networks(document["trusted_networks"], root_ / "trusted_networks", config);
    if (has("relay_domains"))
        parse_relay_domains(document["relay_domains"], root_ / "relay_domains", config);
    if (has("users")) {
        const auto& users = document["users"];
        auto where = root_ / "users";
        if (!users.is_array())
            where.fail("must be an array of {\"name\", \"password\"}, got " + detail::show(users));
        if (users.size() > max_list_items)
            where.fail("has more than " + std::to_string(max_list_items) + " users");
        std::set<std::string> names;
        for (std::size_t i = 0; i < users.size(); ++i) {
            auto user = parse_user(users[i], where / i);
            if (!names.insert(user.name).second)
                (where / i / "name").fail(detail::show(users[i]["name"]) + " is listed twice");
            config.users.push_back(std::move(user));
        }
    }
    if (has("auth_failures_per_minute")) {
        config.auth_failures_per_minute = static_cast<unsigned>(detail::get_unsigned(
            document["auth_failures_per_minute"], root_ / "auth_failures_per_minute", 0,
            max_auth_failures_per_minute));
    }
    if (has("max_message_size")) {
        config.max_message_size = detail::get_unsigned(
            document["max_message_size"], root_ / "max_message_size", 1, max_message_size);
    }
    if (has("max_connections")) {
        config.max_connections = detail::get_unsigned(
            document["max_connections"], root_ / "max_connections", 1, max_inbound_connections);
    }
    if (has("smtpd_timeout")) {
        config.smtpd_timeout =
            detail::get_duration(document["smtpd_timeout"], root_ / "smtpd_timeout");
        if (config.smtpd_timeout.count() < 1) (root_ / "smtpd_timeout").fail("must be at least 1s");
    }
    if (has("admin")) {
        config.admin = get_host_port(document["admin"], root_ / "admin", HostRule::address_literal,
                                     PortRule::listener);
    }
    if (has("event_log")) config.event_log = get_path(document["event_log"], root_ / "event_log");
    if (has("threads")) {
        config.threads = static_cast<unsigned>(
            detail::get_unsigned(document["threads"], root_ / "threads", 1, max_threads));
    }
    if (has("retry")) config.retry = parse_retry(document["retry"], root_ / "retry");
    if (has("destinations")) {
        const auto& destinations = document["destinations"];
        auto where = root_ / "destinations";
        if (!destinations.is_object()) {
            where.fail("must be an object of domain (or \"*\") -> policy, got " +
                       detail::show(destinations));
        }
        if (destinations.size() > max_destinations)
            where.fail("has more than " + std::to_string(max_destinations) + " domains");
        for (const auto& item : destinations.items()) {
            auto at = where / item.key();
            std::string domain = item.key();
            if (domain != "*") {
                if (domain.size() > max_domain || !smtp::is_valid_domain(domain)) {
                    at.fail("\"" + domain.substr(0, 80) +
                            "\" is not a domain name (a key is a recipient domain, or \"*\" "
                            "for all others)");
                }
                domain = fold_domain(domain);
            }
            auto policy = parse_destination(item.value(), at);
            if (!config.destinations.emplace(domain, std::move(policy)).second)
                at.fail("names the same domain as another key (domains ignore case)");
        }
    }
    if (has("smarthost"))
        config.smarthost = parse_smarthost(document["smarthost"], root_ / "smarthost");
    if (has("dkim")) {
        const auto& dkim = document["dkim"];
        auto where = root_ / "dkim";
        if (!dkim.is_array()) {
            where.fail("must be an array of {\"domain\", \"selector\", \"private_key\"}, got " +
                       detail::show(dkim));
        }
        if (dkim.size() > max_list_items)
            where.fail("has more than " + std::to_string(max_list_items) + " keys");
        for (std::size_t i = 0; i < dkim.size(); ++i)
            config.dkim.push_back(parse_dkim(dkim[i], where / i));
    }
    if (has("unsubscribe"))
        config.unsubscribe = parse_unsubscribe(document["unsubscribe"], root_ / "unsubscribe");
    if (has("tracking")) config.tracking = parse_tracking(document["tracking"], root_ / "tracking");
    if (has("quotas")) {
        const auto& quotas = document["quotas"];
        auto where = root_ / "quotas";
        if (!quotas.is_array()) {
            where.fail("must be an array of {\"sender\", \"max\", \"per\"}, got " +
                       detail::show(quotas));
        }
        if (quotas.size() > max_list_items)
            where.fail("has more than " + std::to_string(max_list_items) + " quotas");
        for (std::size_t i = 0; i < quotas.size(); ++i)
            config.quotas.push_back(parse_quota(quotas[i], where / i));
    }
    check_whole(document, config);
    return config;
}

}  // namespace

RelayConfig parse_relay_config(const nlohmann::json& document, const std::string& source_name,
                               const std::filesystem::path& base_directory) {
    return Parser(source_name, base_directory).parse(document);
}

void check_relay_config(const RelayConfig& config, const std::string& source_name) {
    parse_relay_config(to_json(config), source_name);
}

RelayConfig load_relay_config(const std::filesystem::path& path) {
    const std::string name = path.string();
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) throw RelayConfigError(name + ": cannot read: " + ec.message(), "");
    if (size > limits::max_config_file_bytes) {
        throw RelayConfigError(name + ": " + std::to_string(size) +
                                   " bytes, more than a relay configuration needs (limit " +
                                   std::to_string(limits::max_config_file_bytes) + ")",
                               "");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw RelayConfigError(name + ": cannot open for reading", "");
    std::ostringstream text;
    text << in.rdbuf();
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::parse_error& error) {
        throw RelayConfigError(name + ": not valid JSON: " + error.what(), "");
    }
    return parse_relay_config(document, name, path.parent_path());
}

}  // namespace relaylab::relay
