#include "fake-mx/behaviour/json_fields.hpp"

#include <algorithm>

#include "fake-mx/behaviour/behaviour.hpp"

namespace relaylab::fakemx::detail {

namespace {

constexpr std::size_t max_shown = 60;

std::string join(std::initializer_list<std::string_view> words) {
    std::string out;
    for (auto word : words) {
        if (!out.empty()) out += ", ";
        out += word;
    }
    return out;
}

bool equal_folded(std::string_view a, std::string_view b) {
    auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [&](char x, char y) { return fold(x) == fold(y); });
}

std::string type_name(const nlohmann::json& value) {
    if (value.is_number_unsigned()) return "an unsigned integer";
    if (value.is_number_integer()) return "a negative integer";
    if (value.is_number_float()) return "a number with a fraction";
    switch (value.type()) {
        case nlohmann::json::value_t::null:
            return "null";
        case nlohmann::json::value_t::boolean:
            return "a boolean";
        case nlohmann::json::value_t::string:
            return "a string";
        case nlohmann::json::value_t::array:
            return "an array";
        case nlohmann::json::value_t::object:
            return "an object";
        default:
            return "a value";
    }
}

}  // namespace

Where Where::operator/(std::string_view key) const {
    Where child = *this;
    child.pointer_ += '/';
    for (char c : key) {
        if (c == '~') {
            child.pointer_ += "~0";
        } else if (c == '/') {
            child.pointer_ += "~1";
        } else {
            child.pointer_ += c;
        }
    }
    return child;
}

Where Where::operator/(std::size_t index) const {
    Where child = *this;
    child.pointer_ += '/' + std::to_string(index);
    return child;
}

void Where::fail(const std::string& message) const {
    throw BehaviourError(source_ + ": " + (pointer_.empty() ? std::string("/") : pointer_) + ": " +
                         message);
}

std::string show(const nlohmann::json& value) {
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > max_shown) text = text.substr(0, max_shown) + "...";
    return text;
}

void expect_object(const nlohmann::json& value, const Where& where,
                   std::initializer_list<std::string_view> known) {
    if (!value.is_object()) where.fail("must be an object, got " + type_name(value));
    for (const auto& item : value.items()) {
        if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
            (where / item.key()).fail("unknown key (want one of: " + join(known) + ")");
        }
    }
}

std::string get_string(const nlohmann::json& value, const Where& where, std::size_t max_length) {
    if (!value.is_string()) where.fail("must be a string, got " + type_name(value));
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > max_length) {
        where.fail("longer than " + std::to_string(max_length) + " characters");
    }
    return text;
}

bool get_bool(const nlohmann::json& value, const Where& where) {
    if (!value.is_boolean()) where.fail("must be true or false, got " + show(value));
    return value.get<bool>();
}

std::uint64_t get_unsigned(const nlohmann::json& value, const Where& where, std::uint64_t min,
                           std::uint64_t max) {
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() < min ||
        value.get<std::uint64_t>() > max) {
        where.fail("must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                   ", got " + show(value));
    }
    return value.get<std::uint64_t>();
}

double get_fraction(const nlohmann::json& value, const Where& where) {
    if (!value.is_number() || value.get<double>() < 0.0 || value.get<double>() > 1.0) {
        where.fail("must be a number from 0 to 1, got " + show(value));
    }
    return value.get<double>();
}

std::vector<std::string> get_string_list(const nlohmann::json& value, const Where& where,
                                         std::size_t max_items, std::size_t max_length) {
    if (value.is_string()) return {get_string(value, where, max_length)};
    if (!value.is_array()) {
        where.fail("must be a string or an array of strings, got " + type_name(value));
    }
    if (value.empty()) where.fail("must not be an empty array (leave the key out instead)");
    if (value.size() > max_items) {
        where.fail("more than " + std::to_string(max_items) + " items");
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
    where.fail("unknown value " + show(value) + " (want one of: " + join(allowed) + ")");
}

}  // namespace relaylab::fakemx::detail
