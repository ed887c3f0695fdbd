// Reading relay.json strictly: every error names the source and the JSON pointer (RFC 6901) of the
// offending value, shows the value and says what would be right. Internal to the config parser.
// (fake-mx/behaviour/json_fields.hpp does the same for behaviour files with its own error type.)
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace relaylab::relay::detail {

// Where a value sits: the source name and its JSON pointer.
class Where {
  public:
    explicit Where(std::string_view source) : source_(source) {}

    Where operator/(std::string_view key) const;  // escapes '~' and '/' as RFC 6901 3 says
    Where operator/(std::size_t index) const;
    const std::string& pointer() const { return pointer_; }
    // Throws RelayConfigError("<source>: <pointer>: <message>").
    [[noreturn]] void fail(const std::string& message) const;

  private:
    std::string source_;
    std::string pointer_;
};

// A short rendering of a value for messages, cut so a huge value cannot flood the terminal.
std::string show(const nlohmann::json& value);

// Refuses non-objects and keys outside `known`.
void expect_object(const nlohmann::json& value, const Where& where,
                   std::initializer_list<std::string_view> known);

std::string get_string(const nlohmann::json& value, const Where& where, std::size_t max_length);
bool get_bool(const nlohmann::json& value, const Where& where);
std::uint64_t get_unsigned(const nlohmann::json& value, const Where& where, std::uint64_t min,
                           std::uint64_t max);
double get_number(const nlohmann::json& value, const Where& where, double min, double max);
std::chrono::seconds get_duration(const nlohmann::json& value, const Where& where);
std::vector<std::string> get_string_list(const nlohmann::json& value, const Where& where,
                                         std::size_t max_items, std::size_t max_length);

}  // namespace relaylab::relay::detail
