// Parses one entry of "rules". Internal to the behaviour parser.
#pragma once

#include <cstddef>

#include <nlohmann/json_fwd.hpp>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/behaviour/json_fields.hpp"

namespace relaylab::fakemx::detail {

Rule parse_rule(const nlohmann::json& value, const Where& where, std::size_t index);

// The phases a behaviour can decide, in session order, with their JSON names.
smtp::Phase phase_from_name(const nlohmann::json& value, const Where& where);

}  // namespace relaylab::fakemx::detail
