// What every part of the scenario parser shares: the root Where (its errors are ScenarioErrors),
// the scenario's folder for relative paths, and the ways to turn another parser's error (relay
// settings, behaviours, fault rules, zones) into one pointing into the scenario. Internal.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/json/json_fields.hpp"
#include "harness/scenario/scenario.hpp"

namespace relaylab::scenario::detail {

using json::expect_object;
using json::get_bool;
using json::get_number;
using json::get_string;
using json::get_unsigned;
using json::show;
using json::Where;

// Bounds on what a scenario may ask for: generous for real use, small enough that a typo with
// extra digits fails here instead of exhausting the machine later.
inline constexpr std::size_t max_text = 1000;
inline constexpr std::size_t max_path = 4096;  // PATH_MAX
inline constexpr std::size_t max_domain = 255;
inline constexpr std::size_t max_list = 10'000;
inline constexpr std::chrono::milliseconds max_duration{std::chrono::hours(24)};

class Context {
  public:
    Context(std::string source, std::filesystem::path base_dir);

    const std::string& source() const { return source_; }
    const Where& root() const { return root_; }
    const std::filesystem::path& base_dir() const { return base_dir_; }

    // A path relative to the scenario's folder (absolute ones as they are).
    std::filesystem::path resolve(const std::string& path) const;
    // A non-empty path string naming an existing regular file: "no such file" names the value
    // and the pointer of the key that gave it.
    std::filesystem::path existing_file(const nlohmann::json& value, const Where& where) const;
    // Reads a file named by `where`'s value, at most `max_bytes`.
    std::string read_file(const std::filesystem::path& path, const Where& where,
                          std::size_t max_bytes) const;

    // Throws ScenarioError("<source>: <pointer>: <message>", pointer) for a pointer built
    // elsewhere (another parser's, under `where`): inner "" or "/" is `where` itself.
    [[noreturn]] void fail_at(const Where& where, std::string_view inner_pointer,
                              const std::string& message) const;

  private:
    std::string source_;
    std::filesystem::path base_dir_;
    Where root_;
};

// "<source>: <pointer>: <reason>" → <reason>, when the message starts that way (the errors of
// harness/json's Where, whatever module raised them).
std::string strip_location(const std::string& message, std::string_view source,
                           std::string_view pointer);
// "<pointer>: <reason>" → {pointer, reason}: fault rule errors carry their pointer in the text.
std::pair<std::string, std::string> split_pointer(const std::string& message);

// No control characters: names and texts that end up in reports, headers and zone files.
void check_one_line(const std::string& text, const Where& where);
std::string get_line(const nlohmann::json& value, const Where& where, std::size_t max_length);
std::string get_domain(const nlohmann::json& value, const Where& where);

// A duration (durations.hpp syntax) from min to max.
std::chrono::milliseconds get_duration(const nlohmann::json& value, const Where& where,
                                       std::chrono::milliseconds min,
                                       std::chrono::milliseconds max);

// The sections, each read from its JSON value at `where`.
World parse_world(const nlohmann::json& value, const Where& where, const Context& context);
void parse_dns(const nlohmann::json& value, const Where& where, const Context& context,
               DnsWorld& dns);
// world.spam and world.recipients (world_deliverability_parser.cpp).
SpamWorld parse_spam(const nlohmann::json& value, const Where& where);
placement::EngagementModel parse_simulated_recipients(const nlohmann::json& value,
                                                      const Where& where);
RelaySection parse_relay(const nlohmann::json& value, const Where& where, const Context& context);
load::TrafficModel parse_traffic(const nlohmann::json& value, const Where& where);

}  // namespace relaylab::scenario::detail
