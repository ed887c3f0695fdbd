#include "harness/cli/server_options.hpp"

#include <signal.h>

#include <cstdio>
#include <ctime>

#include "harness/net/tls.hpp"

namespace relaylab::cli {

void add_server_options(CommandSpec& spec) {
    spec.options.insert(
        spec.options.end(),
        {
            {"--listen", "ADDR:PORT", "plain SMTP listener (default 127.0.0.1:2525; port 0: any)"},
            {"--tls-listen", "ADDR:PORT", "implicit-TLS listener (port 465 style)"},
            {"--hostname", "NAME", "name in the greeting and EHLO reply (default relaylab.test)"},
            {"--threads", "N", "io threads, each with its own SO_REUSEPORT listener (default 1)"},
            {"--starttls", "", "offer STARTTLS (a self-signed certificate unless --tls-cert)"},
            {"--tls-cert", "FILE", "PEM certificate chain for STARTTLS and --tls-listen"},
            {"--tls-key", "FILE", "PEM private key for --tls-cert"},
            {"--tls-variant", "VARIANT",
             "certificate: valid, self-signed, expired, wrong-host (default: self-signed)"},
            {"--tls-ca-dir", "DIR",
             "test CA issuing valid/expired/wrong-host certs (created if absent; trust "
             "DIR/ca.pem)"},
            {"--tls-versions", "any|1.2|1.3", "TLS versions offered (default any: 1.2 and 1.3)"},
            {"--broken-starttls", "", "offer STARTTLS, answer 220, then fail the TLS handshake"},
            {"--require-tls", "", "refuse MAIL before STARTTLS (530 5.7.0)"},
            {"--auth", "USER:PASS", "offer AUTH PLAIN LOGIN (after TLS); only USER:PASS passes"},
            {"--auth-without-tls", "", "offer AUTH on plaintext sessions too"},
            {"--bare-newline", "POLICY", "bare LF/CR in DATA: reject (default), normalize, accept"},
            {"--max-size", "BYTES", "SIZE limit (default 52428800; 0: none)"},
            {"--max-stored", "BYTES",
             "content kept per message whatever SIZE says; over it 552 (default 67108864)"},
            {"--max-recipients", "N", "recipients per message (default 1000)"},
            {"--max-connections", "N", "concurrent connections; beyond: 421 (default 1000)"},
            {"--max-errors", "N", "bad commands before 421 and close (default 10)"},
            {"--line-limit", "OCTETS", "text line limit in DATA (default 1000; 0: none)"},
            {"--timeout", "SECONDS", "command and data timeouts (default 300, RFC 5321 4.5.3.2.7)"},
        });
    auto limits = client_limit_options();
    spec.options.insert(spec.options.end(), limits.begin(), limits.end());
}

std::vector<OptionSpec> client_limit_options() {
    return {
        {"--max-connections-per-client", "N",
         "concurrent connections per client; beyond: 421 (default: half of --max-connections; "
         "0: none)"},
        {"--max-connection-rate", "N",
         "new connections per client per minute; beyond: 421 (default 0: no limit)"},
        {"--client-prefix", "V4[/V6]",
         "prefix lengths that group client addresses for those limits (default 32/128)"},
        {"--min-data-rate", "BYTES",
         "DATA/BDAT deadline: each BYTES received buy 1 s, capped at --timeout (default 500; 0: "
         "off)"},
        {"--stress-timeout", "SECONDS",
         "command and data timeout when 3/4 of the connections are in use (default 10)"},
    };
}

CommandSpec with_client_limit_options(CommandSpec spec) {
    auto limits = client_limit_options();
    spec.options.insert(spec.options.end(), limits.begin(), limits.end());
    return spec;
}

void apply_client_limit_options(const ParsedArgs& args, net::ClientLimits& limits,
                                net::ServerTimeouts& timeouts) {
    if (args.has("--max-connections-per-client")) {
        limits.max_connections = args.get_uint("--max-connections-per-client", 0, 0, 1'000'000);
    }
    limits.max_rate = static_cast<std::uint32_t>(
        args.get_uint("--max-connection-rate", limits.max_rate, 0, 1'000'000));
    if (auto text = args.get("--client-prefix")) {
        unsigned v4 = 0;
        unsigned v6 = limits.grouping.v6_prefix;
        char slash = 0;
        int used = 0;
        int fields = std::sscanf(text->c_str(), "%u%n%c%u%n", &v4, &used, &slash, &v6, &used);
        bool ok = (fields == 1 || (fields == 3 && slash == '/')) &&
                  static_cast<std::size_t>(used) == text->size() && v4 >= 1 && v4 <= 32 &&
                  v6 >= 1 && v6 <= 128;
        if (!ok) {
            throw UsageError("--client-prefix: '" + *text +
                             "' is not V4[/V6] (1-32, 1-128), e.g. 24/64");
        }
        limits.grouping = {v4, v6};
    }
    timeouts.min_data_rate = static_cast<std::uint32_t>(
        args.get_uint("--min-data-rate", timeouts.min_data_rate, 0, 1u << 30));
    if (args.has("--stress-timeout")) {
        timeouts.stress = std::chrono::milliseconds(static_cast<std::int64_t>(
            args.get_double("--stress-timeout", 10, 0.001, 86400) * 1000));
    }
}

std::shared_ptr<boost::asio::ssl::context> server_tls_context(const ParsedArgs& args,
                                                              const std::string& hostname) {
    net::TlsVersions versions = net::TlsVersions::any;
    if (auto text = args.get("--tls-versions")) {
        auto parsed = net::parse_tls_versions(*text);
        if (!parsed) throw UsageError("--tls-versions: '" + *text + "' is not any, 1.2 or 1.3");
        versions = *parsed;
    }
    std::optional<net::TlsVariant> variant;
    if (auto text = args.get("--tls-variant")) {
        variant = net::parse_tls_variant(*text);
        if (!variant) {
            throw UsageError("--tls-variant: '" + *text +
                             "' is not valid, self-signed, expired or wrong-host");
        }
    } else if (args.has("--tls-ca-dir")) {
        variant = net::TlsVariant::valid;
    }
    if (args.has("--tls-cert") != args.has("--tls-key")) {
        throw UsageError("--tls-cert and --tls-key go together");
    }
    if (variant && args.has("--tls-cert")) {
        throw UsageError("--tls-variant/--tls-ca-dir and --tls-cert: choose one certificate");
    }
    // --broken-starttls alone needs no certificate: its handshake never gets that far.
    bool want_tls =
        args.has("--starttls") || args.has("--tls-listen") || args.has("--tls-cert") || variant;
    if (!want_tls) {
        if (args.has("--tls-versions")) {
            throw UsageError("--tls-versions needs TLS: --starttls, --tls-listen or --tls-variant");
        }
        return nullptr;
    }
    if (args.has("--tls-cert")) {
        try {
            return net::make_server_context_from_files(*args.get("--tls-cert"),
                                                       *args.get("--tls-key"), versions);
        } catch (const std::exception& e) {
            throw UsageError("--tls-cert/--tls-key: " + std::string(e.what()));
        }
    }
    if (!variant) {
        return net::make_server_context(net::make_self_signed_certificate(hostname), versions);
    }
    std::optional<net::TestCa> ca;
    if (*variant != net::TlsVariant::self_signed) {
        auto dir = args.get("--tls-ca-dir");
        if (!dir) {
            throw UsageError("--tls-variant " + std::string(net::to_string(*variant)) +
                             " needs --tls-ca-dir DIR (the test CA that issues it; clients "
                             "trust DIR/ca.pem)");
        }
        try {
            ca = net::load_or_create_test_ca(*dir);
        } catch (const std::exception& e) {
            throw UsageError("--tls-ca-dir: " + std::string(e.what()));
        }
    }
    return net::make_variant_server_context(*variant, hostname, versions, ca ? &*ca : nullptr);
}

net::SmtpServerConfig server_options(const ParsedArgs& args) {
    net::SmtpServerConfig config;
    config.listeners.clear();
    HostPort listen = parse_host_port("--listen", args.get_or("--listen", "127.0.0.1:2525"));
    config.listeners.push_back({listen.host, listen.port, false});
    if (auto tls_listen = args.get("--tls-listen")) {
        HostPort address = parse_host_port("--tls-listen", *tls_listen);
        config.listeners.push_back({address.host, address.port, true});
    }
    auto& session = config.session;
    session.hostname = args.get_or("--hostname", "relaylab.test");
    config.threads = static_cast<unsigned>(args.get_uint("--threads", 1, 1, 64));
    config.tls = server_tls_context(args, session.hostname);
    config.broken_starttls = args.has("--broken-starttls");
    session.extensions.starttls = args.has("--starttls") || args.has("--tls-cert") ||
                                  args.has("--tls-variant") || args.has("--tls-ca-dir") ||
                                  config.broken_starttls;
    session.require_tls = args.has("--require-tls");
    if (session.require_tls && !session.extensions.starttls) {
        throw UsageError("--require-tls needs --starttls");
    }
    if (auto auth = args.get("--auth")) {
        auto colon = auth->find(':');
        if (colon == std::string::npos || colon == 0)
            throw UsageError("--auth: expected USER:PASS");
        session.auth_mechanisms = {"PLAIN", "LOGIN"};
        session.decisions |= static_cast<unsigned>(smtp::Phase::auth);
        config.decide =
            [user = auth->substr(0, colon), pass = auth->substr(colon + 1)](
                net::DecisionContext& context) -> boost::asio::awaitable<smtp::Decision> {
            smtp::Decision decision;
            const auto& credentials = context.session.credentials();
            if (credentials.username != user || credentials.password != pass) {
                decision.reply =
                    smtp::make_reply(535, "5.7.8", "Authentication credentials invalid");
            }
            co_return decision;
        };
    }
    session.auth_without_tls = args.has("--auth-without-tls");
    if (session.auth_without_tls && session.auth_mechanisms.empty()) {
        throw UsageError("--auth-without-tls needs --auth USER:PASS");
    }
    session.bare_newline = bare_newline_option(args);
    session.max_message_size = args.get_uint("--max-size", session.max_message_size);
    session.max_stored_size =
        args.get_uint("--max-stored", session.max_stored_size, 1, std::uint64_t{1} << 40);
    session.max_recipients =
        args.get_uint("--max-recipients", session.max_recipients, 1, 1'000'000);
    session.max_errors = args.get_uint("--max-errors", session.max_errors, 0, 1'000'000);
    session.max_text_line = args.get_uint("--line-limit", session.max_text_line, 0, 1u << 30);
    config.max_connections = args.get_uint("--max-connections", 1000, 1, 1'000'000);
    apply_timeout_option(args, config.timeouts);
    apply_client_limit_options(args, config.client_limits, config.timeouts);
    return config;
}

smtp::BareNewlinePolicy bare_newline_option(const ParsedArgs& args) {
    std::string policy = args.get_or("--bare-newline", "reject");
    if (policy == "reject") return smtp::BareNewlinePolicy::reject;
    if (policy == "normalize") return smtp::BareNewlinePolicy::normalize;
    if (policy == "accept") return smtp::BareNewlinePolicy::accept;
    throw UsageError("--bare-newline: '" + policy + "' is not reject, normalize or accept");
}

void apply_timeout_option(const ParsedArgs& args, net::ServerTimeouts& timeouts) {
    if (!args.has("--timeout")) return;
    auto timeout = std::chrono::milliseconds(
        static_cast<std::int64_t>(args.get_double("--timeout", 300, 0.001, 86400) * 1000));
    timeouts.command = timeout;
    timeouts.data = timeout;
    timeouts.tls_handshake = timeout;
    timeouts.write = timeout;
}

void block_stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool wait_for_signal(std::chrono::milliseconds timeout) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    timespec ts{static_cast<time_t>(timeout.count() / 1000),
                static_cast<long>(timeout.count() % 1000) * 1'000'000};
    return sigtimedwait(&set, nullptr, &ts) > 0;
}

}  // namespace relaylab::cli
