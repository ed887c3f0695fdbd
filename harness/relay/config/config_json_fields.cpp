#include "harness/relay/config/config_json_fields.hpp"

#include "harness/relay/config/config_values.hpp"
#include "harness/relay/config/relay_config_json.hpp"

namespace relaylab::relay::detail {

namespace {

[[noreturn]] void raise_config_error(const std::string& message, const std::string& pointer) {
    throw RelayConfigError(message, pointer);
}

}  // namespace

Where config_root(std::string_view source) {
    return Where(source, &raise_config_error);
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
