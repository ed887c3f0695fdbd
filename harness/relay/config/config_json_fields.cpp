#include "harness/relay/config/config_json_fields.hpp"

#include <cmath>

#include "harness/relay/config/config_values.hpp"
#include "harness/relay/config/relay_config_json.hpp"

namespace relaylab::relay::detail {

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
    child.pointer_ += '/';
    child.pointer_ += std::to_string(index);
    return child;
}

void Where::fail(const std::string& message) const {
    std::string shown_pointer = pointer_.empty() ? std::string("/") : pointer_;
    throw RelayConfigError(source_ + ": " + shown_pointer + ": " + message, pointer_);
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
        bool found = false;
        for (auto name : known) {
            if (item.key() == name) found = true;
        }
        if (!found) (where / item.key()).fail("unknown key (known here: " + join(known) + ")");
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
    if (!value.is_number_unsigned()) {
        where.fail("must be a whole number from " + range + ", got " + show(value));
    }
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

std::chrono::seconds get_duration(const nlohmann::json& value, const Where& where) {
    std::string error;
    if (value.is_number_unsigned()) {
        auto seconds = value.get<std::uint64_t>();
        if (seconds > static_cast<std::uint64_t>(limits::max_duration.count())) {
            where.fail(show(value) + " seconds is longer than the limit of " +
                       format_duration(limits::max_duration));
        }
        return std::chrono::seconds(static_cast<std::int64_t>(seconds));
    }
    if (value.is_string()) {
        if (auto duration = parse_duration(value.get_ref<const std::string&>(), &error))
            return *duration;
        where.fail(show(value) + ": " + error);
    }
    where.fail(show(value) +
               " is not a duration: a number of seconds, or a string with a unit s, m, h or d "
               "(\"300s\", \"5m\", \"2h\", \"5d\")");
}

std::vector<std::string> get_string_list(const nlohmann::json& value, const Where& where,
                                         std::size_t max_items, std::size_t max_length) {
    if (!value.is_array()) where.fail("must be an array of strings, got " + show(value));
    if (value.size() > max_items) {
        where.fail("has " + std::to_string(value.size()) + " items, more than the limit of " +
                   std::to_string(max_items));
    }
    std::vector<std::string> out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i)
        out.push_back(get_string(value[i], where / i, max_length));
    return out;
}

}  // namespace relaylab::relay::detail
