// Options every SMTP-sending subcommand shares: TLS, AUTH, HELO name, timeouts.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "harness/cli/args.hpp"
#include "harness/net/smtp_client.hpp"

namespace relaylab::cli {

void add_client_options(CommandSpec& spec);
net::ClientConnectionOptions client_options(const ParsedArgs& args, const std::string& host);
// HOST:PORT where HOST is an IP address or "localhost" (no DNS: the harness never asks the
// system resolver); throws UsageError naming the option.
boost::asio::ip::tcp::endpoint resolve_endpoint(std::string_view option, std::string_view text);

}  // namespace relaylab::cli
