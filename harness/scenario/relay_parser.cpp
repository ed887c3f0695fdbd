// relay: the builtin engine's settings in relay.json's format (the runner owns the listeners,
// spool, DNS, MX port, admin API, event log and DKIM keys), or an external relay under test.
#include <array>

#include "harness/relay/config/config_values.hpp"
#include "harness/relay/config/relay_config_json.hpp"
#include "harness/scenario/parse_context.hpp"

namespace relaylab::scenario::detail {

namespace {

// relay.json keys the runner sets for each run: the world's addresses and ports, a spool and
// an event log in the run's work folder, and the senders' DKIM keys from world.senders.
constexpr std::array<std::string_view, 8> runner_keys = {
    "relay_in", "submission", "spool", "dns", "mx_port", "admin", "event_log", "dkim"};

// parse_relay_config wants a listener; the runner replaces this one with its own.
constexpr std::string_view placeholder_listener = "127.0.0.1:0";

relay::RelayConfig parse_builtin_settings(const nlohmann::json& value, const Where& where,
                                          const Context& context) {
    if (!value.is_object()) {
        where.fail("must be an object in relay.json's format (retry, destinations, ...), got " +
                   json::type_name(value));
    }
    for (auto key : runner_keys) {
        if (value.contains(key)) {
            std::string why =
                key == "dkim" ? "set by the runner from world.senders" : "set by the runner";
            (where / key)
                .fail(why + " (the run's own " +
                      (key == "dkim" ? std::string("signing keys")
                                     : std::string("addresses, ports and files")) +
                      "): leave it out");
        }
    }
    auto settings = value;
    settings["relay_in"] = placeholder_listener;
    relay::RelayConfig config;
    try {
        config = relay::parse_relay_config(settings, context.source(), context.base_dir());
    } catch (const relay::RelayConfigError& e) {
        auto reason = strip_location(e.what(), context.source(), e.pointer());
        context.fail_at(where, e.pointer(), reason);
    }
    config.relay_in.reset();
    return config;
}

ExternalRelay parse_external(const nlohmann::json& value, const Where& where) {
    ExternalRelay external;
    if (!value.contains("server")) {
        where.fail(
            "needs \"server\": the relay under test as \"HOST:PORT\", e.g. "
            "\"127.0.0.1:25\"");
    }
    auto server_at = where / "server";
    auto text = get_string(value["server"], server_at, max_text);
    std::string error;
    auto server = relay::parse_host_port(text, relay::HostRule::name_or_address,
                                         relay::PortRule::remote, &error);
    if (!server) server_at.fail(show(value["server"]) + ": " + error);
    external.host = server->host;
    external.port = server->port;
    if (value.contains("tls")) {
        auto tls = get_string(value["tls"], where / "tls", max_text);
        if (tls == "none") {
            external.tls = SubmitTls::none;
        } else if (tls == "starttls") {
            external.tls = SubmitTls::starttls;
        } else if (tls == "implicit") {
            external.tls = SubmitTls::implicit;
        } else {
            (where / "tls").fail(show(value["tls"]) + " is not one of none, starttls, implicit");
        }
    }
    if (value.contains("verify_certificate")) {
        external.verify_certificate =
            get_bool(value["verify_certificate"], where / "verify_certificate");
    }
    if (value.contains("auth")) {
        auto at = where / "auth";
        const auto& auth = value["auth"];
        expect_object(auth, at, {"user", "password"});
        for (auto key : {"user", "password"}) {
            if (!auth.contains(key)) at.fail(std::string("needs \"") + key + "\"");
        }
        relay::AuthUser user;
        user.name = get_line(auth["user"], at / "user", max_text);
        if (user.name.empty()) (at / "user").fail("must not be empty");
        // Never echo a password: messages go to terminals, CI logs and bug reports.
        if (!auth["password"].is_string()) {
            (at / "password").fail("must be a string (the value is not shown: it is a password)");
        }
        user.password = auth["password"].get<std::string>();
        if (user.password.empty() || user.password.size() > max_text) {
            (at / "password").fail("must be 1 to " + std::to_string(max_text) + " characters long");
        }
        // As relay.json's smarthost: no password in the clear, except to this machine.
        if (external.tls == SubmitTls::none && !relay::is_loopback_host(external.host)) {
            (where / "tls")
                .fail("\"none\" would send the AUTH password in the clear to " + external.host +
                      ": use \"starttls\" or \"implicit\"");
        }
        external.auth = std::move(user);
    }
    return external;
}

}  // namespace

RelaySection parse_relay(const nlohmann::json& value, const Where& where, const Context& context) {
    expect_object(value, where,
                  {"kind", "settings", "server", "tls", "verify_certificate", "auth"});
    RelaySection section;
    if (value.contains("kind")) {
        auto kind = get_string(value["kind"], where / "kind", max_text);
        if (kind == "external") {
            section.kind = RelayKind::external;
        } else if (kind != "builtin") {
            (where / "kind").fail(show(value["kind"]) + " is not one of builtin, external");
        }
    }
    if (section.kind == RelayKind::builtin) {
        for (auto key : {"server", "tls", "verify_certificate", "auth"}) {
            if (value.contains(key)) {
                (where / key)
                    .fail(
                        "is for \"kind\": \"external\"; the builtin relay takes its settings "
                        "in \"settings\"");
            }
        }
        if (value.contains("settings")) {
            section.builtin =
                parse_builtin_settings(value["settings"], where / "settings", context);
        }
    } else {
        if (value.contains("settings")) {
            (where / "settings")
                .fail("is for the builtin relay; an external relay is configured on its own");
        }
        section.external = parse_external(value, where);
    }
    return section;
}

}  // namespace relaylab::scenario::detail
