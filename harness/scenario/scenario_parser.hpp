// Reading a scenario file strictly (harness/json's field reader): unknown keys, wrong types,
// bad values and missing files are ScenarioErrors naming the file and the JSON pointer, before
// anything starts (the CLI turns them into exit code 2).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "harness/scenario/scenario.hpp"

namespace relaylab::scenario {

// Scenario files bigger than this are not scenarios (inline zones included).
inline constexpr std::size_t max_scenario_file_bytes = 4u << 20;

// `source` names the document in messages; relative paths (zones, keys, behaviour files)
// resolve against `base_dir`.
Scenario parse_scenario(const nlohmann::json& document, const std::string& source,
                        const std::filesystem::path& base_dir);
// Reads and parses a file (JSON syntax errors name the line and column).
Scenario load_scenario(const std::filesystem::path& path);
// The quickstart compiled into the binary (scenarios/quickstart.json, with its zones and keys
// embedded at build time), so `relaylab run` works from any folder.
Scenario embedded_quickstart();

}  // namespace relaylab::scenario
