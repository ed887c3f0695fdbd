// Reading JSON configuration strictly: every error names the source and the JSON pointer (RFC 6901)
// of the offending value, shows what was found and says what would be right. Shared by relay.json
// (harness/relay/config) and fake-mx behaviour files (fake-mx/behaviour); each module throws its
// own error type through the Raise function it gives its root Where.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace relaylab::json {

// Where a value sits: the source name and its JSON pointer.
class Where {
  public:
    // Throws the module's error; must not return. `pointer` is "" for the whole document.
    using Raise = void (*)(const std::string& message, const std::string& pointer);

    Where(std::string_view source, Raise raise) : source_(source), raise_(raise) {}

    Where operator/(std::string_view key) const;  // escapes '~' and '/' as RFC 6901 3 says
    Where operator/(std::size_t index) const;
    const std::string& pointer() const { return pointer_; }
    // Calls raise("<source>: <pointer, or / for the document>: <message>", pointer).
    [[noreturn]] void fail(const std::string& message) const;

  private:
    std::string source_;
    std::string pointer_;
    Raise raise_;
};

// A short rendering of a value for messages, cut so a huge value cannot flood the terminal.
std::string show(const nlohmann::json& value);
// "an unsigned integer", "a string", "null"...: what a value is, for "must be X, got Y".
std::string type_name(const nlohmann::json& value);
// "a, b, c": the allowed words in a message.
std::string join(std::initializer_list<std::string_view> words);

// Refuses non-objects and keys outside `known` (a typo must not silently do nothing).
void expect_object(const nlohmann::json& value, const Where& where,
                   std::initializer_list<std::string_view> known);

std::string get_string(const nlohmann::json& value, const Where& where, std::size_t max_length);
bool get_bool(const nlohmann::json& value, const Where& where);
std::uint64_t get_unsigned(const nlohmann::json& value, const Where& where, std::uint64_t min,
                           std::uint64_t max);
// Any JSON number (integer or with a fraction) from min to max.
double get_number(const nlohmann::json& value, const Where& where, double min, double max);

}  // namespace relaylab::json
