// The subcommands of the one `relaylab` binary. Each lives in its own <name>_command.cpp and is
// listed once in main.cpp's table.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/cli/args.hpp"

namespace relaylab::cli {

using Args = std::vector<std::string>;

struct Command {
    std::string name;
    std::string summary;  // one line for `relaylab --help`
    int (*main)(const Args& args);
};

// Parses `args` against `spec`; on --help prints the generated help and returns exit_ok,
// otherwise returns body(parsed). UsageError/RunError propagate to main(), which maps them to
// exit codes 2 and 3 with a message naming the subcommand.
int run_command(const CommandSpec& spec, const Args& args,
                const std::function<int(const ParsedArgs&)>& body);

int send_main(const Args& args);
int sink_main(const Args& args);
int run_main(const Args& args);
int dkim_main(const Args& args);
int auth_main(const Args& args);
int dns_main(const Args& args);
int fake_mx_main(const Args& args);
int relay_main(const Args& args);
int report_main(const Args& args);
int probe_main(const Args& args);

}  // namespace relaylab::cli
