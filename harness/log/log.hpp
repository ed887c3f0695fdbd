// The one logging layer of the binary: one line per event on stderr, as text for people or as
// JSON lines for machines (`--log-level`, `--log-format`, handled in harness/cli/main.cpp).
//
// Events are named "<area>.<what>" ("smtp.accept_failed") and carry key/value fields, so a
// log line can be grepped by event and parsed by field in either format. No Asio, no fmt: any
// library may log, and the header costs nothing to include.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace relaylab::log {

enum class Level { debug, info, warn, error, off };
enum class Format { text, json };

std::string_view to_string(Level level);
// "debug", "info", "warn" (or "warning"), "error", "off"; nullopt-like false when unknown.
bool parse_level(std::string_view text, Level& level);
bool parse_format(std::string_view text, Format& format);

// Process-wide; call before starting threads. Default: warn, text.
void configure(Level min_level, Format format);
bool enabled(Level level);

// One key/value of an event. Numbers and booleans stay unquoted in JSON.
struct Field {
    Field(std::string_view key, std::string_view value) : key(key), value(value) {}
    Field(std::string_view key, const std::string& value) : key(key), value(value) {}
    Field(std::string_view key, const char* value) : key(key), value(value ? value : "") {}
    Field(std::string_view key, bool value)
        : key(key), value(value ? "true" : "false"), raw(true) {}
    template <std::integral T>
    Field(std::string_view key, T value) : key(key), value(std::to_string(value)), raw(true) {}
    Field(std::string_view key, double value);

    std::string_view key;
    std::string value;
    bool raw = false;  // a JSON number or boolean, written without quotes
};

// Writes one line with a single write(2), so lines of concurrent threads never interleave.
void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
    if (enabled(Level::debug)) write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
    if (enabled(Level::info)) write(Level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
    if (enabled(Level::warn)) write(Level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
    if (enabled(Level::error)) write(Level::error, event, fields);
}

// Formats a line without writing it (tests, and sinks other than stderr).
std::string format_line(Format format, Level level, std::string_view event,
                        std::initializer_list<Field> fields);

}  // namespace relaylab::log
