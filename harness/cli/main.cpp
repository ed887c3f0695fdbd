// relaylab: one binary, one subcommand per job (ARCHITECTURE.md, "CLI contract").
#include <cstdio>
#include <exception>
#include <iostream>
#include <span>

#include "harness/cli/commands.hpp"

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
    };
    return table;
}

void print_usage(std::ostream& out) {
    out << "usage: relaylab COMMAND [options]   (relaylab COMMAND --help for details)\n\n"
           "commands:\n";
    for (const auto& command : command_table()) {
        out << "  " << command.name
            << std::string(10 - std::min<size_t>(9, command.name.size()), ' ') << command.summary
            << '\n';
    }
}

}  // namespace

int run_command(const CommandSpec& spec, const Args& args,
                const std::function<int(const ParsedArgs&)>& body) {
    ParsedArgs parsed = parse_args(spec, args);
    if (parsed.help_requested()) {
        std::cout << help_text(spec);
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
