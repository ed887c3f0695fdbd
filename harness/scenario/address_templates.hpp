// Address templates of traffic.from and traffic.to: "user{n}@gmail.test" with {n} the message
// number, {r} the recipient's index and {i} a number from 1..pool. Internal to the parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/load/traffic_model.hpp"
#include "harness/scenario/parse_context.hpp"

namespace relaylab::scenario::detail {

enum class AddressRole { sender, recipient };

// The template with {n}, {r} and {i} replaced by 1: what message 1's first address is.
std::string expand_for_message_one(std::string_view address);

// A string (one template, weight 1) or an array of {address, weight, pool}. Each template's
// placeholders are known, {i} has a pool, and message 1's address is a valid mailbox.
std::vector<load::WeightedAddress> parse_addresses(const nlohmann::json& value, const Where& where,
                                                   AddressRole role);

}  // namespace relaylab::scenario::detail
