// Scripted DNS failures (fault rules): which queries to break and how. Read from JSON (the
// `--faults FILE` of `relaylab dns`, or a scenario's "dns_faults" array later).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace relaylab::dns::fixture {

inline constexpr std::size_t max_fault_rules = 1000;
inline constexpr std::size_t max_glob_length = 1024;
inline constexpr std::uint32_t max_fault_delay_ms = 60'000;
inline constexpr std::size_t max_fault_file_bytes = 1u << 20;

enum class FaultAction {
    servfail,  // RCODE 2
    refused,   // RCODE 5
    nxdomain,  // RCODE 3 with the zone's SOA, whatever the zone holds
    drop,      // no answer at all: the client times out
    delay,     // answer normally after delay_ms ("action": "delay_ms")
    truncate,  // over UDP: TC=1 and empty sections, so the client retries over TCP
};
std::string_view to_string(FaultAction action);

struct FaultRule {
    std::string name = "*";            // glob: '*' any run of characters, '?' one; no case
    std::vector<std::uint16_t> types;  // empty: every type
    FaultAction action = FaultAction::servfail;
    std::uint32_t delay_ms = 0;
    double probability = 1.0;  // chance that a matching query is hit
    std::uint64_t seed = 0;    // seeds this rule's own generator: runs repeat exactly
    std::uint64_t first = 0;   // > 0: only the first N matching queries are hit
    std::string label;         // for the query log; default "rule <index>"
};

// A rule file or value that cannot be used; what() names the JSON pointer and the fix.
class FaultRuleError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Accepts {"rules": [...]} or a bare array; `pointer` prefixes the JSON pointers in errors.
std::vector<FaultRule> parse_fault_rules(const nlohmann::json& value,
                                         const std::string& pointer = "");
std::vector<FaultRule> load_fault_file(const std::string& path);

// '*' and '?' glob over a domain name, case-insensitive, trailing dots ignored. Linear in
// practice (one backtrack point), so hostile names cannot make it slow.
bool glob_match(std::string_view pattern, std::string_view name);

struct AppliedFault {
    FaultAction action;
    std::uint32_t delay_ms = 0;
    std::size_t rule_index = 0;
    std::string label;
};

// The rules with their counters and generators. Rules are tried in order; the first that
// matches, is within its `first` budget and wins its probability draw applies.
class FaultEngine {
  public:
    FaultEngine() = default;
    explicit FaultEngine(std::vector<FaultRule> rules);
    std::optional<AppliedFault> match(std::string_view name, std::uint16_t type);
    bool empty() const { return rules_.empty(); }

  private:
    struct State {
        FaultRule rule;
        std::uint64_t seen = 0;
        std::mt19937_64 rng;
    };
    std::vector<State> rules_;
};

}  // namespace relaylab::dns::fixture
