#include "harness/scenario/parse_context.hpp"

#include <fstream>
#include <system_error>

#include "harness/relay/config/config_values.hpp"
#include "harness/scenario/durations.hpp"
#include "harness/smtp/address.hpp"

namespace relaylab::scenario::detail {

namespace {

[[noreturn]] void raise_scenario_error(const std::string& message, const std::string& pointer) {
    throw ScenarioError(message, pointer);
}

}  // namespace

Context::Context(std::string source, std::filesystem::path base_dir)
    : source_(std::move(source)),
      base_dir_(std::move(base_dir)),
      root_(source_, &raise_scenario_error) {}

std::filesystem::path Context::resolve(const std::string& path) const {
    std::filesystem::path resolved(path);
    if (resolved.is_relative() && !base_dir_.empty()) resolved = base_dir_ / resolved;
    return resolved;
}

std::filesystem::path Context::existing_file(const nlohmann::json& value,
                                             const Where& where) const {
    auto text = get_string(value, where, max_path);
    if (text.empty()) where.fail("must not be empty: a file name");
    auto path = resolve(text);
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        where.fail(show(value) + ": no such file (" + path.string() + ")");
    }
    if (!std::filesystem::is_regular_file(status)) {
        where.fail(show(value) + ": not a regular file (" + path.string() + ")");
    }
    return path;
}

std::string Context::read_file(const std::filesystem::path& path, const Where& where,
                               std::size_t max_bytes) const {
    std::ifstream in(path, std::ios::binary);
    if (!in) where.fail(path.string() + ": cannot open for reading");
    std::string text(max_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
        where.fail(path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    return text;
}

void Context::fail_at(const Where& where, std::string_view inner_pointer,
                      const std::string& message) const {
    std::string pointer = where.pointer();
    if (inner_pointer != "/") pointer += inner_pointer;
    std::string text = source_;
    text += ": ";
    text += pointer.empty() ? std::string("/") : pointer;
    text += ": ";
    text += message;
    throw ScenarioError(text, pointer);
}

std::string strip_location(const std::string& message, std::string_view source,
                           std::string_view pointer) {
    std::string prefix(source);
    prefix += ": ";
    prefix += pointer.empty() ? std::string_view("/") : pointer;
    prefix += ": ";
    if (message.starts_with(prefix)) return message.substr(prefix.size());
    return message;
}

std::pair<std::string, std::string> split_pointer(const std::string& message) {
    if (!message.starts_with('/')) return {"", message};
    auto colon = message.find(": ");
    if (colon == std::string::npos) return {"", message};
    return {message.substr(0, colon), message.substr(colon + 2)};
}

void check_one_line(const std::string& text, const Where& where) {
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) where.fail("must be one line of text (no control characters)");
    }
}

std::string get_line(const nlohmann::json& value, const Where& where, std::size_t max_length) {
    auto text = get_string(value, where, max_length);
    check_one_line(text, where);
    return text;
}

std::string get_domain(const nlohmann::json& value, const Where& where) {
    auto text = get_string(value, where, max_domain);
    std::string_view name = text;
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (!smtp::is_valid_domain(name)) {
        where.fail(show(value) +
                   " is not a domain name (labels of letters, digits and hyphens, separated by "
                   "dots)");
    }
    return relay::fold_domain(name);
}

std::chrono::milliseconds get_duration(const nlohmann::json& value, const Where& where,
                                       std::chrono::milliseconds min,
                                       std::chrono::milliseconds max) {
    std::optional<std::chrono::milliseconds> duration;
    std::string error;
    if (value.is_number_unsigned()) {
        auto seconds = value.get<std::uint64_t>();
        if (seconds <= static_cast<std::uint64_t>(
                           std::chrono::duration_cast<std::chrono::seconds>(max).count())) {
            duration = std::chrono::seconds(seconds);
        } else {
            error = "is longer than " + format_duration_ms(max);
        }
    } else if (value.is_string()) {
        duration = parse_duration_ms(value.get_ref<const std::string&>(), &error);
    } else {
        error =
            "must be a duration: seconds (a whole number) or a string such as \"500ms\", "
            "\"30s\", \"5m\", \"2h\"";
    }
    if (!duration) where.fail(show(value) + ": " + error);
    if (*duration > max) where.fail(show(value) + " is longer than " + format_duration_ms(max));
    if (*duration < min) {
        where.fail(show(value) + " is shorter than " + format_duration_ms(min));
    }
    return *duration;
}

}  // namespace relaylab::scenario::detail
