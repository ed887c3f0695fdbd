#include "harness/scenario/durations.hpp"

#include <cstdint>

#include "harness/relay/config/config_values.hpp"

namespace relaylab::scenario {

namespace {

constexpr std::string_view expected =
    "expected digits followed by ms, s, m, h or d, such as \"500ms\", \"30s\" or \"5m\"";
// relay.json's own bound, in milliseconds: the largest value either syntax takes.
constexpr auto max_milliseconds =
    std::chrono::duration_cast<std::chrono::milliseconds>(relay::limits::max_duration);

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration_ms(std::string_view text,
                                                           std::string* error) {
    auto fail = [&](std::string message) -> std::optional<std::chrono::milliseconds> {
        if (error) *error = std::move(message);
        return std::nullopt;
    };
    if (text.ends_with("ms")) {
        auto digits = text.substr(0, text.size() - 2);
        if (digits.empty() || digits.size() > 15) return fail(std::string(expected));
        std::uint64_t value = 0;
        for (char c : digits) {
            if (c < '0' || c > '9') return fail(std::string(expected));
            value = value * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (value > static_cast<std::uint64_t>(max_milliseconds.count())) {
            return fail("longer than the limit of " +
                        relay::format_duration(relay::limits::max_duration));
        }
        return std::chrono::milliseconds(value);
    }
    std::string relay_error;
    auto seconds = relay::parse_duration(text, &relay_error);
    if (!seconds) {
        // relay.json's message does not know "ms"; ours lists it.
        if (relay_error.find("longer") != std::string::npos) return fail(relay_error);
        return fail(std::string(expected));
    }
    return std::chrono::milliseconds(*seconds);
}

std::string format_duration_ms(std::chrono::milliseconds duration) {
    if (duration.count() % 1000 != 0) return std::to_string(duration.count()) + "ms";
    return relay::format_duration(std::chrono::duration_cast<std::chrono::seconds>(duration));
}

}  // namespace relaylab::scenario
