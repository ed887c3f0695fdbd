#include "harness/json/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

namespace relaylab::json {

namespace {

// Enough to recognise the value; a megabyte string in an error message helps nobody.
constexpr std::size_t max_shown = 60;

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
    child.pointer_ += '/';
    child.pointer_ += std::to_string(index);
    return child;
}

void Where::fail(const std::string& message) const {
    std::string shown_pointer = pointer_.empty() ? std::string("/") : pointer_;
    raise_(source_ + ": " + shown_pointer + ": " + message, pointer_);
    std::terminate();  // a Raise that returns is a bug: the caller would read a bad value on
}

std::string show(const nlohmann::json& value) {
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > max_shown) text = text.substr(0, max_shown) + "...";
    return text;
}

std::string type_name(const nlohmann::json& value) {
    if (value.is_number_unsigned()) return "an unsigned integer";
    // Parsing makes every non-negative integer unsigned; a document built in code may not.
    if (value.is_number_integer()) {
        return value.get<std::int64_t>() < 0 ? "a negative integer" : "an integer";
    }
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

std::string join(std::initializer_list<std::string_view> words) {
    std::string out;
    for (auto word : words) {
        if (!out.empty()) out += ", ";
        out += word;
    }
    return out;
}

void expect_object(const nlohmann::json& value, const Where& where,
                   std::initializer_list<std::string_view> known) {
    if (!value.is_object()) where.fail("must be an object, got " + type_name(value));
    for (const auto& item : value.items()) {
        if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
            (where / item.key()).fail("unknown key (known here: " + join(known) + ")");
        }
    }
}

std::string get_string(const nlohmann::json& value, const Where& where, std::size_t max_length) {
    if (!value.is_string()) where.fail("must be a string, got " + show(value));
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > max_length) {
        where.fail("is longer than " + std::to_string(max_length) + " characters");
    }
    return text;
}

bool get_bool(const nlohmann::json& value, const Where& where) {
    if (!value.is_boolean()) where.fail("must be true or false, got " + show(value));
    return value.get<bool>();
}

std::uint64_t get_unsigned(const nlohmann::json& value, const Where& where, std::uint64_t min,
                           std::uint64_t max) {
    auto range = std::to_string(min) + " to " + std::to_string(max);
    // A document built in code (to_json, then checked again) may hold a non-negative int signed.
    bool whole =
        value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0);
    if (!whole) where.fail("must be a whole number from " + range + ", got " + show(value));
    auto number = value.get<std::uint64_t>();
    if (number < min || number > max) where.fail(show(value) + " is not in the range " + range);
    return number;
}

double get_number(const nlohmann::json& value, const Where& where, double min, double max) {
    auto range = nlohmann::json(min).dump() + " to " + nlohmann::json(max).dump();
    if (!value.is_number()) where.fail("must be a number from " + range + ", got " + show(value));
    auto number = value.get<double>();
    if (!std::isfinite(number) || number < min || number > max) {
        where.fail(show(value) + " is not in the range " + range);
    }
    return number;
}

}  // namespace relaylab::json
