// Reading relay.json strictly: the shared readers of harness/json (every error names the source and
// the JSON pointer of the offending value) throwing RelayConfigError, and the readers that are the
// relay's own. Internal to the config parser.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/json/json_fields.hpp"

namespace relaylab::relay::detail {

using json::expect_object;
using json::get_bool;
using json::get_number;
using json::get_string;
using json::get_unsigned;
using json::show;
using json::Where;

// The root of `source`: its fail() throws RelayConfigError(message, pointer).
Where config_root(std::string_view source);

// A number of seconds or a string with a unit ("300s", "5m", "2h", "5d"), at most
// limits::max_duration.
std::chrono::seconds get_duration(const nlohmann::json& value, const Where& where);
// An array (not a lone string) of at most max_items strings, each at most max_length characters.
std::vector<std::string> get_string_list(const nlohmann::json& value, const Where& where,
                                         std::size_t max_items, std::size_t max_length);

}  // namespace relaylab::relay::detail
