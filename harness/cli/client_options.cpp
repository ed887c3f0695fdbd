#include "harness/cli/client_options.hpp"

#include <boost/asio/ip/address.hpp>

#include "harness/net/tls.hpp"

namespace relaylab::cli {

void add_client_options(CommandSpec& spec) {
    spec.options.insert(
        spec.options.end(),
        {
            {"--starttls", "", "require STARTTLS (fail if not offered)"},
            {"--starttls-optional", "", "use STARTTLS when offered"},
            {"--tls", "", "implicit TLS from the first byte (port 465 style)"},
            {"--tls-ca", "FILE",
             "verify the server's chain against FILE and its name (default: no check)"},
            {"--tls-servername", "NAME",
             "TLS server name sent (SNI) and verified (default: the host of --server)"},
            {"--tls-versions", "any|1.2|1.3", "TLS versions allowed (default any: 1.2 and 1.3)"},
            {"--ca-file", "FILE", "same as --tls-ca"},
            {"--sni", "NAME", "same as --tls-servername"},
            {"--auth", "USER:PASS", "SMTP AUTH (PLAIN, else LOGIN); only over TLS by default"},
            {"--auth-without-tls", "", "allow --auth on a plaintext connection"},
            {"--helo", "NAME", "EHLO/HELO name (default relaylab.test)"},
            {"--chunking", "", "use BDAT (RFC 3030) when the server offers CHUNKING"},
            {"--no-pipelining", "", "one command at a time even when PIPELINING is offered"},
            {"--timeout", "SECONDS", "every per-phase timeout (default: RFC 5321 4.5.3.2 values)"},
        });
}

net::ClientConnectionOptions client_options(const ParsedArgs& args, const std::string& host) {
    net::ClientConnectionOptions options;
    auto& session = options.session;
    session.helo_name = args.get_or("--helo", "relaylab.test");
    int tls_modes = args.has("--starttls") + args.has("--starttls-optional") + args.has("--tls");
    if (tls_modes > 1) throw UsageError("choose one of --starttls, --starttls-optional, --tls");
    if (args.has("--starttls")) session.starttls = smtp::TlsMode::required;
    if (args.has("--starttls-optional")) session.starttls = smtp::TlsMode::opportunistic;
    session.implicit_tls = args.has("--tls");
    // Two spellings each: --ca-file/--sni came first; --tls-* matches the server options.
    auto either = [&](std::string_view name, std::string_view alias) -> std::optional<std::string> {
        if (args.has(name) && args.has(alias)) {
            throw UsageError(std::string(name) + " and " + std::string(alias) + " are the same");
        }
        if (auto value = args.get(name)) return value;
        return args.get(alias);
    };
    auto ca_file = either("--tls-ca", "--ca-file");
    auto server_name = either("--tls-servername", "--sni");
    net::TlsVersions versions = net::TlsVersions::any;
    if (auto text = args.get("--tls-versions")) {
        auto parsed = net::parse_tls_versions(*text);
        if (!parsed) throw UsageError("--tls-versions: '" + *text + "' is not any, 1.2 or 1.3");
        versions = *parsed;
    }
    if (tls_modes == 0 && (ca_file || server_name || args.has("--tls-versions"))) {
        // Otherwise a verification the user asked for would silently never happen.
        throw UsageError(
            "--tls-ca, --tls-servername and --tls-versions need --starttls, "
            "--starttls-optional or --tls");
    }
    if (tls_modes > 0) {
        try {
            options.tls = net::make_client_context(ca_file.value_or(""), versions);
        } catch (const std::exception& e) {
            throw UsageError("--tls-ca: " + *ca_file + ": " + e.what());
        }
        options.sni = server_name.value_or(host);
    }
    if (auto auth = args.get("--auth")) {
        auto colon = auth->find(':');
        if (colon == std::string::npos || colon == 0) {
            throw UsageError("--auth: expected USER:PASS");
        }
        smtp::Credentials credentials;
        credentials.username = auth->substr(0, colon);
        credentials.password = auth->substr(colon + 1);
        session.auth = credentials;
    }
    session.auth_without_tls = args.has("--auth-without-tls");
    session.use_chunking = args.has("--chunking");
    session.use_pipelining = !args.has("--no-pipelining");
    if (args.has("--timeout")) {
        double seconds = args.get_double("--timeout", 0, 0.001, 86400);
        options.timeouts.every_phase =
            std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
        options.timeouts.connect = *options.timeouts.every_phase;
        options.timeouts.tls_handshake = *options.timeouts.every_phase;
    }
    return options;
}

boost::asio::ip::tcp::endpoint resolve_endpoint(std::string_view option, std::string_view text) {
    HostPort host_port = parse_host_port(option, text);
    std::string host = host_port.host == "localhost" ? "127.0.0.1" : host_port.host;
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(host, ec);
    if (ec) {
        throw UsageError(std::string(option) + ": '" + host_port.host +
                         "' is not an IP address (relaylab does not use the system resolver)");
    }
    if (host_port.port == 0) throw UsageError(std::string(option) + ": port 0");
    return {address, host_port.port};
}

}  // namespace relaylab::cli
