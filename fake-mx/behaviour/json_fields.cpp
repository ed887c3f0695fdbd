#include "fake-mx/behaviour/json_fields.hpp"

#include <algorithm>

#include "fake-mx/behaviour/behaviour.hpp"

namespace relaylab::fakemx::detail {

namespace {

[[noreturn]] void raise_behaviour_error(const std::string& message, const std::string&) {
    throw BehaviourError(message);
}

bool equal_folded(std::string_view a, std::string_view b) {
    auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [&](char x, char y) { return fold(x) == fold(y); });
}

}  // namespace

Where behaviour_root(std::string_view source) {
    return Where(source, &raise_behaviour_error);
}

double get_fraction(const nlohmann::json& value, const Where& where) {
    return json::get_number(value, where, 0.0, 1.0);
}

std::vector<std::string> get_string_list(const nlohmann::json& value, const Where& where,
                                         std::size_t max_items, std::size_t max_length) {
    if (value.is_string()) return {get_string(value, where, max_length)};
    if (!value.is_array()) {
        where.fail("must be a string or an array of strings, got " + json::type_name(value));
    }
    if (value.empty()) where.fail("must not be an empty array (leave the key out instead)");
    if (value.size() > max_items) {
        where.fail("has " + std::to_string(value.size()) + " items, more than the limit of " +
                   std::to_string(max_items));
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        out.push_back(get_string(value[i], where / i, max_length));
    }
    return out;
}

std::size_t get_choice(const nlohmann::json& value, const Where& where,
                       std::initializer_list<std::string_view> allowed) {
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        std::size_t index = 0;
        for (auto word : allowed) {
            if (equal_folded(word, text)) return index;
            ++index;
        }
    }
    where.fail("unknown value " + show(value) + " (want one of: " + json::join(allowed) + ")");
}

}  // namespace relaylab::fakemx::detail
