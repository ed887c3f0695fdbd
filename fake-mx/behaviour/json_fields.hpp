// Reading behaviour JSON strictly: the shared readers of harness/json (every error names the source
// and the JSON pointer of the offending value) throwing BehaviourError, and the readers that are
// fake-mx's own. Internal to the parser.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/json/json_fields.hpp"

namespace relaylab::fakemx::detail {

using json::expect_object;
using json::get_bool;
using json::get_string;
using json::get_unsigned;
using json::show;
using json::Where;

// The root of `source`: its fail() throws BehaviourError(message).
Where behaviour_root(std::string_view source);

double get_fraction(const nlohmann::json& value, const Where& where);  // 0 to 1
// A string or a non-empty array of strings (at most max_items), each at most max_length characters.
std::vector<std::string> get_string_list(const nlohmann::json& value, const Where& where,
                                         std::size_t max_items, std::size_t max_length);
// A word from `allowed`, ASCII case ignored; returns its index.
std::size_t get_choice(const nlohmann::json& value, const Where& where,
                       std::initializer_list<std::string_view> allowed);

}  // namespace relaylab::fakemx::detail
