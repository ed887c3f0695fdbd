// What ScenarioMessageFactory refuses to build from: a TrafficModel whose messages would not
// be valid mail (an address template that expands to no RFC 5321 path, a header that is not
// "Name: value", non-ASCII or over-long lines, sizes out of range). The scenario parser checks
// the file first and names JSON pointers; this is the factory's own guard, so that no caller
// can make it write a broken message, and a second opinion the parser may ask for.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "harness/load/traffic_model.hpp"

namespace relaylab::load {

// Bounds on one generated message, so a scenario cannot make the generator exhaust memory:
// every message in flight is held whole (a relay's usual SIZE limit is far below).
constexpr std::size_t max_generated_message_octets = 64u << 20;
constexpr std::size_t max_attachments_per_message = 100;
constexpr std::size_t max_extra_headers = 100;
constexpr std::size_t max_weighted_addresses = 10'000;
constexpr std::size_t max_body_template_octets = 1u << 20;
constexpr std::size_t max_attachment_name_octets = 255;
constexpr std::size_t max_run_id_octets = 64;  // as `relaylab send --run-id`

struct TrafficModelProblem {
    std::string field;    // the TrafficModel field: "message.attachments[0].filename"
    std::string message;  // what is wrong and what would be right
};

// The first problem found in the fields that shape messages (from, to, message, run_id);
// nullopt when every message the model can produce is valid.
std::optional<TrafficModelProblem> find_message_problem(const TrafficModel& model);

}  // namespace relaylab::load
