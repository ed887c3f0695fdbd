// The shipped behaviours (scenarios/behaviours/*.json), embedded at build time so that
// `--behaviour greylist` works from any working directory and in an installed binary.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace relaylab::fakemx {

struct Preset {
    std::string_view name;  // the file name without ".json"
    std::string_view json;
};

std::span<const Preset> presets();  // sorted by name
std::optional<std::string_view> preset_json(std::string_view name);

}  // namespace relaylab::fakemx
