// Reading behaviour JSON strictly: every error names the source and the JSON pointer (RFC 6901)
// of the offending value, says what was found and what would be right. Internal to the parser.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace relaylab::fakemx::detail {

// Where a value sits: the source name and its JSON pointer.
class Where {
  public:
    explicit Where(std::string_view source) : source_(source) {}

    Where operator/(std::string_view key) const;  // escapes '~' and '/' as RFC 6901 3 says
    Where operator/(std::size_t index) const;
    const std::string& pointer() const { return pointer_; }
    [[noreturn]] void fail(const std::string& message) const;

  private:
    std::string source_;
    std::string pointer_;
};

// A short rendering of a value for messages, cut so a huge value cannot flood the terminal.
std::string show(const nlohmann::json& value);

// Refuses keys outside `known` (typos must not silently do nothing) and non-objects.
void expect_object(const nlohmann::json& value, const Where& where,
                   std::initializer_list<std::string_view> known);

std::string get_string(const nlohmann::json& value, const Where& where, std::size_t max_length);
bool get_bool(const nlohmann::json& value, const Where& where);
std::uint64_t get_unsigned(const nlohmann::json& value, const Where& where, std::uint64_t min,
                           std::uint64_t max);
double get_fraction(const nlohmann::json& value, const Where& where);  // 0 to 1
// A string or an array of strings (at most max_items), each at most max_length characters.
std::vector<std::string> get_string_list(const nlohmann::json& value, const Where& where,
                                         std::size_t max_items, std::size_t max_length);
// A word from `allowed`, ASCII case ignored; returns its index.
std::size_t get_choice(const nlohmann::json& value, const Where& where,
                       std::initializer_list<std::string_view> allowed);

}  // namespace relaylab::fakemx::detail
