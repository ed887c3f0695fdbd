// Options every SMTP-receiving subcommand shares (sink now, fake-mx later): listeners, TLS,
// AUTH, limits, the bare-newline policy, timeouts.
#pragma once

#include "harness/cli/args.hpp"
#include "harness/net/smtp_server.hpp"

namespace relaylab::cli {

void add_server_options(CommandSpec& spec);
net::SmtpServerConfig server_options(const ParsedArgs& args);
// --timeout SECONDS, when given, replaces every per-phase server timeout.
void apply_timeout_option(const ParsedArgs& args, net::ServerTimeouts& timeouts);
// --bare-newline reject|normalize|accept (default reject); throws UsageError otherwise.
smtp::BareNewlinePolicy bare_newline_option(const ParsedArgs& args);
// Abusive clients: --max-connections-per-client, --max-connection-rate, --client-prefix,
// --min-data-rate, --stress-timeout (sink and fake-mx list the same options).
std::vector<OptionSpec> client_limit_options();
CommandSpec with_client_limit_options(CommandSpec spec);
void apply_client_limit_options(const ParsedArgs& args, net::ClientLimits& limits,
                                net::ServerTimeouts& timeouts);
// The server TLS context the options ask for (--tls-cert/--tls-key, --tls-variant,
// --tls-ca-dir, --tls-versions), with certificates for `hostname`; nullptr when no option asks
// for TLS. Throws UsageError naming the option.
std::shared_ptr<boost::asio::ssl::context> server_tls_context(const ParsedArgs& args,
                                                              const std::string& hostname);

// Blocks SIGINT and SIGTERM in every thread started afterwards; wait_for_signal() takes them.
void block_stop_signals();
// Waits up to `timeout` for SIGINT/SIGTERM; true if one came.
bool wait_for_signal(std::chrono::milliseconds timeout);

}  // namespace relaylab::cli
