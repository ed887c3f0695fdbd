// Declarative command-line options: each subcommand lists its options once and gets parsing,
// validation with messages that name the option, and a generated --help from the same list.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::cli {

// Exit codes of the CLI contract (ARCHITECTURE.md).
enum ExitCode : int {
    exit_ok = 0,                  // all expectations held
    exit_expectation_failed = 1,  // an expectation failed
    exit_usage = 2,               // usage or configuration error
    exit_run_broken = 3,          // the run itself broke (port in use, ...)
};

// A usage or configuration error; main() prints it and exits with exit_usage.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A failure of the run itself (a port in use, a peer gone); main() exits with exit_run_broken.
class RunError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct OptionSpec {
    std::string name;        // "--count"
    std::string value_name;  // "N"; empty for a flag
    std::string help;
    bool repeatable = false;  // may be given several times (e.g. --zone)
};

struct CommandSpec {
    std::string name;      // "send"
    std::string synopsis;  // "--server HOST:PORT [options]"
    std::string summary;   // one line for `relaylab --help`
    std::string description;
    std::vector<OptionSpec> options;
    std::size_t min_positional = 0;
    std::size_t max_positional = 0;
    std::string positional_name;  // "FILE" for the help text
};

class ParsedArgs {
  public:
    bool has(std::string_view name) const;
    std::optional<std::string> get(std::string_view name) const;
    std::string get_or(std::string_view name, std::string_view fallback) const;
    std::vector<std::string> all(std::string_view name) const;
    const std::vector<std::string>& positional() const { return positional_; }

    // Typed values, range-checked; a bad value throws UsageError naming the option.
    std::uint64_t get_uint(std::string_view name, std::uint64_t fallback, std::uint64_t min = 0,
                           std::uint64_t max = UINT64_MAX) const;
    double get_double(std::string_view name, double fallback, double min, double max) const;

    bool help_requested() const { return help_; }

  private:
    friend ParsedArgs parse_args(const CommandSpec& spec, const std::vector<std::string>& args);
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
    std::vector<std::string> positional_;
    bool help_ = false;
};

// Accepts "--name value", "--name=value" and flags; "--" ends options. Throws UsageError.
ParsedArgs parse_args(const CommandSpec& spec, const std::vector<std::string>& args);

std::string help_text(const CommandSpec& spec);

// "HOST:PORT", "[v6]:PORT" or ":PORT" (host defaults to `default_host`); throws UsageError.
struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};
HostPort parse_host_port(std::string_view option, std::string_view text,
                         std::string_view default_host = "127.0.0.1");
// The same for an address to listen on: the host must be an IPv4 or IPv6 literal (a server
// binds to an address, not a name), else UsageError.
HostPort parse_listen_address(std::string_view option, std::string_view text);

}  // namespace relaylab::cli
