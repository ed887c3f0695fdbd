// relaylab: one binary, one subcommand per job (ARCHITECTURE.md, "CLI contract").
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <span>
#include <string_view>

#include "harness/cli/commands.hpp"
#include "harness/log/log.hpp"

namespace relaylab::cli {
namespace {

const std::vector<Command>& command_table() {
    static const std::vector<Command> table = {
        {"run", "run a scenario in the embedded world (no scenario: the quickstart)", run_main},
        {"send", "drive SMTP load at a server: closed or open loop, latency percentiles",
         send_main},
        {"sink", "accept every message, count it and discard it (like Postfix smtp-sink)",
         sink_main},
        {"auth", "SPF, DKIM, DMARC and ARC verdicts for a message: auth check", auth_main},
        {"dkim", "DKIM keys and signatures: keygen (PEM + DNS TXT line), sign", dkim_main},
        {"dns", "authoritative fixture DNS server (zone files, fault rules, query log)", dns_main},
        {"fake-mx", "simulated receiving MTAs: behaviours, capture, verdicts, HTTP API",
         fake_mx_main},
        {"relay", "the relay engine: an MTA with durable spool, MX routing, retries, bounces",
         relay_main},
        {"report", "compare runs' report.json side by side: report compare", report_main},
        {"probe", "transport and policy checks of an SMTP server (TLS, MTA-STS, DANE, relay...)",
         probe_main},
    };
    return table;
}

constexpr std::string_view global_options_help =
    "\nlogging (every command): --log-level debug|info|warn|error|off (default warn),\n"
    "  --log-format text|json (default text); one line per event on stderr.\n";

void print_usage(std::ostream& out) {
    out << "usage: relaylab COMMAND [options]   (relaylab COMMAND --help for details)\n\n"
           "commands:\n";
    for (const auto& command : command_table()) {
        out << "  " << command.name
            << std::string(10 - std::min<size_t>(9, command.name.size()), ' ') << command.summary
            << '\n';
    }
    out << global_options_help;
}

// Takes --log-level/--log-format (either "--opt value" or "--opt=value") out of `args`
// wherever they stand, so every subcommand accepts them without listing them.
void take_log_options(Args& args) {
    log::Level level = log::Level::warn;
    log::Format format = log::Format::text;
    Args rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
            break;
        }
        std::string name = arg;
        std::optional<std::string> value;
        if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        if (name != "--log-level" && name != "--log-format") {
            rest.push_back(arg);
            continue;
        }
        if (!value) {
            if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
            value = args[++i];
        }
        if (name == "--log-level" && !log::parse_level(*value, level))
            throw UsageError("--log-level: '" + *value +
                             "' is not one of debug, info, warn, error, off");
        if (name == "--log-format" && !log::parse_format(*value, format))
            throw UsageError("--log-format: '" + *value + "' is not one of text, json");
    }
    log::configure(level, format);
    args = std::move(rest);
}

}  // namespace

int run_command(const CommandSpec& spec, const Args& args,
                const std::function<int(const ParsedArgs&)>& body) {
    ParsedArgs parsed = parse_args(spec, args);
    if (parsed.help_requested()) {
        std::cout << help_text(spec) << global_options_help;
        return exit_ok;
    }
    return body(parsed);
}

}  // namespace relaylab::cli

int main(int argc, char** argv) {
    using namespace relaylab::cli;
    std::span<char*> argv_span(argv, static_cast<std::size_t>(argc));
    if (argc < 2) {
        print_usage(std::cerr);
        return exit_usage;
    }
    std::string name = argv_span[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_usage(std::cout);
        return exit_ok;
    }
    if (name == "--version") {
        std::cout << "relaylab 0.1.0\n";
        return exit_ok;
    }
    for (const auto& command : command_table()) {
        if (command.name != name) continue;
        Args args(argv_span.begin() + 2, argv_span.end());
        try {
            take_log_options(args);
            return command.main(args);
        } catch (const UsageError& e) {
            std::cerr << "relaylab " << name << ": " << e.what() << "\n(see relaylab " << name
                      << " --help)\n";
            return exit_usage;
        } catch (const RunError& e) {
            std::cerr << "relaylab " << name << ": " << e.what() << '\n';
            return exit_run_broken;
        } catch (const std::exception& e) {
            std::cerr << "relaylab " << name << ": unexpected failure: " << e.what() << '\n';
            return exit_run_broken;
        }
    }
    std::cerr << "relaylab: unknown command '" << name << "'\n";
    print_usage(std::cerr);
    return exit_usage;
}
