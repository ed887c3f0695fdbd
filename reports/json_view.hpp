// Reading a report.json document that may be partial or hostile: the renderers ask for a value
// by path and get it only when it is there with the right type. A missing key, a string where a
// number belongs, null, NaN: all read as "absent", never as an exception, so a run that broke
// halfway (or a hand-edited file) still renders. Sans-I/O: nlohmann/json only.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace relaylab::reports::json_view {

// The value at `path` (object keys, one per step), or nullptr.
const nlohmann::json* find(const nlohmann::json& root,
                           std::initializer_list<std::string_view> path);
// The object or array at `path`, or nullptr when it is absent or of another type.
const nlohmann::json* object_at(const nlohmann::json& root,
                                std::initializer_list<std::string_view> path);
const nlohmann::json* array_at(const nlohmann::json& root,
                               std::initializer_list<std::string_view> path);

// A finite number (integer or floating point), else nothing. Booleans are not numbers here.
std::optional<double> number(const nlohmann::json* value);
std::optional<double> number_at(const nlohmann::json& root,
                                std::initializer_list<std::string_view> path);
// Same, 0 when absent: for counts, where "never seen" means none.
double count_at(const nlohmann::json& root, std::initializer_list<std::string_view> path);

// A string as is, a number or boolean as JSON writes it, anything else "" (so "actual": 2250.7
// and "actual": "2250.7" read the same).
std::string text(const nlohmann::json* value);
std::string text_at(const nlohmann::json& root, std::initializer_list<std::string_view> path);
// A boolean, else nothing.
std::optional<bool> flag_at(const nlohmann::json& root,
                            std::initializer_list<std::string_view> path);

// The numeric members of an object of counts ({"250": 1998, "451": 680}), largest first (ties
// by name, so the output is deterministic). Non-numeric members are skipped.
std::vector<std::pair<std::string, double>> counts(const nlohmann::json* object);

}  // namespace relaylab::reports::json_view
