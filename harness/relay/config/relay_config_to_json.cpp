// to_json: the effective configuration in relay.json's own format (relay_config_json.hpp), so what
// `relaylab relay --print-config` shows can be saved and loaded again. Passwords are redacted:
// the output goes to terminals and logs.
#include "harness/relay/config/config_values.hpp"
#include "harness/relay/config/relay_config_json.hpp"

namespace relaylab::relay {

namespace {

nlohmann::json listener_json(const ListenerSettings& listener) {
    return {{"listen", format_host_port(listener.address, listener.port)},
            {"implicit_tls", listener.implicit_tls}};
}

nlohmann::json user_json(const AuthUser& user) {
    return {{"name", user.name}, {"password", redacted_password}};
}

nlohmann::json smarthost_json(const SmarthostRoute& route) {
    nlohmann::json out = {{"server", format_host_port(route.server)},
                          {"tls", route.tls},
                          {"implicit_tls", route.implicit_tls}};
    if (route.auth) out["auth"] = user_json(*route.auth);
    return out;
}

nlohmann::json destination_json(const DestinationPolicy& policy) {
    nlohmann::json out = {{"tls", policy.tls},
                          {"max_connections", policy.max_connections},
                          {"messages_per_connection", policy.messages_per_connection},
                          {"max_recipients", policy.max_recipients},
                          {"max_messages_per_second", policy.max_messages_per_second},
                          {"max_messages_per_minute", policy.max_messages_per_minute}};
    if (policy.smarthost) out["smarthost"] = smarthost_json(*policy.smarthost);
    return out;
}

nlohmann::json retry_json(const RetrySettings& retry) {
    return {{"minimal_backoff", format_duration(retry.minimal_backoff)},
            {"maximal_backoff", format_duration(retry.maximal_backoff)},
            {"multiplier", retry.multiplier},
            {"jitter", retry.jitter},
            {"maximal_queue_lifetime", format_duration(retry.maximal_queue_lifetime)},
            {"bounce_queue_lifetime", format_duration(retry.bounce_queue_lifetime)}};
}

}  // namespace

nlohmann::json to_json(const RelayConfig& config) {
    nlohmann::json out = nlohmann::json::object();
    out["hostname"] = config.hostname;
    if (config.relay_in) out["relay_in"] = listener_json(*config.relay_in);
    if (config.submission) out["submission"] = listener_json(*config.submission);
    if (config.tls) {
        out["tls"] = {{"certificate", config.tls->certificate.string()},
                      {"private_key", config.tls->private_key.string()}};
    }
    out["spool"] = config.spool.string();
    out["spool_fsync"] = config.spool_fsync;
    if (config.dns) out["dns"] = format_host_port(*config.dns);
    out["mx_port"] = config.mx_port;
    out["trusted_networks"] = config.trusted_networks;
    out["relay_domains"] = config.relay_domains;
    out["users"] = nlohmann::json::array();
    for (const auto& user : config.users)
        out["users"].push_back(user_json(user));
    out["auth_failures_per_minute"] = config.auth_failures_per_minute;
    out["max_message_size"] = config.max_message_size;
    out["max_connections"] = config.max_connections;
    if (config.admin) out["admin"] = format_host_port(*config.admin);
    if (config.event_log) out["event_log"] = config.event_log->string();
    out["threads"] = config.threads;
    out["smtpd_timeout"] = format_duration(config.smtpd_timeout);
    out["retry"] = retry_json(config.retry);
    out["destinations"] = nlohmann::json::object();
    for (const auto& [domain, policy] : config.destinations)
        out["destinations"][domain] = destination_json(policy);
    if (config.smarthost) out["smarthost"] = smarthost_json(*config.smarthost);
    out["dkim"] = nlohmann::json::array();
    for (const auto& signing : config.dkim) {
        out["dkim"].push_back({{"domain", signing.domain},
                               {"selector", signing.selector},
                               {"private_key", signing.private_key.string()}});
    }
    if (config.unsubscribe) {
        out["unsubscribe"] = {{"listen", listener_json(config.unsubscribe->listen)},
                              {"add_headers", config.unsubscribe->add_headers}};
        if (!config.unsubscribe->suppression_file.empty())
            out["unsubscribe"]["suppression_file"] = config.unsubscribe->suppression_file.string();
        if (!config.unsubscribe->ca_dir.empty())
            out["unsubscribe"]["ca_dir"] = config.unsubscribe->ca_dir.string();
    }
    if (config.tracking) {
        out["tracking"] = {{"listen", listener_json(config.tracking->listen)},
                           {"opens", config.tracking->opens},
                           {"clicks", config.tracking->clicks}};
    }
    if (!config.quotas.empty()) {
        out["quotas"] = nlohmann::json::array();
        for (const auto& quota : config.quotas) {
            out["quotas"].push_back({{"sender", quota.sender},
                                     {"max", quota.max},
                                     {"per", format_duration(quota.per)}});
        }
    }
    return out;
}

}  // namespace relaylab::relay
