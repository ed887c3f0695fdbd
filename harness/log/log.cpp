#include "harness/log/log.hpp"

#include "harness/log/timestamp.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace relaylab::log {
namespace {

std::atomic<Level> g_min_level{Level::warn};
std::atomic<Format> g_format{Format::text};

void append_timestamp(std::string& out) {
    out += format_rfc3339_ms(std::chrono::system_clock::now());
}

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (byte < 0x20 || byte == 0x7f) {
                    char escape[8];
                    std::snprintf(escape, sizeof escape, "\\u%04x", byte);
                    out += escape;
                } else {
                    out += c;  // UTF-8 passes through; a log line never fails on odd bytes
                }
        }
    }
    out += '"';
}

bool needs_quotes(std::string_view value) {
    if (value.empty()) return true;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || byte < 0x20 || byte == 0x7f)
            return true;
    }
    return false;
}

void append_text_value(std::string& out, std::string_view value) {
    // logfmt: bare when unambiguous, else quoted with the same escapes as JSON.
    if (needs_quotes(value))
        append_json_string(out, value);
    else
        out += value;
}

}  // namespace

Field::Field(std::string_view key, double value) : key(key), raw(true) {
    char buffer[32];
    const int n = std::snprintf(buffer, sizeof buffer, "%.6g", value);
    this->value.assign(buffer, static_cast<std::size_t>(n > 0 ? n : 0));
}

std::string_view to_string(Level level) {
    switch (level) {
        case Level::debug:
            return "debug";
        case Level::info:
            return "info";
        case Level::warn:
            return "warn";
        case Level::error:
            return "error";
        case Level::off:
            return "off";
    }
    return "?";
}

bool parse_level(std::string_view text, Level& level) {
    if (text == "debug")
        level = Level::debug;
    else if (text == "info")
        level = Level::info;
    else if (text == "warn" || text == "warning")
        level = Level::warn;
    else if (text == "error")
        level = Level::error;
    else if (text == "off" || text == "none")
        level = Level::off;
    else
        return false;
    return true;
}

bool parse_format(std::string_view text, Format& format) {
    if (text == "text")
        format = Format::text;
    else if (text == "json")
        format = Format::json;
    else
        return false;
    return true;
}

void configure(Level min_level, Format format) {
    g_min_level.store(min_level, std::memory_order_relaxed);
    g_format.store(format, std::memory_order_relaxed);
}

bool enabled(Level level) {
    const Level min = g_min_level.load(std::memory_order_relaxed);
    return level != Level::off && min != Level::off && level >= min;
}

std::string format_line(Format format, Level level, std::string_view event,
                        std::initializer_list<Field> fields) {
    std::string line;
    line.reserve(96);
    if (format == Format::json) {
        line += "{\"ts\":\"";
        append_timestamp(line);
        line += "\",\"level\":\"";
        line += to_string(level);
        line += "\",\"event\":";
        append_json_string(line, event);
        for (const Field& field : fields) {
            line += ',';
            append_json_string(line, field.key);
            line += ':';
            if (field.raw)
                line += field.value;
            else
                append_json_string(line, field.value);
        }
        line += "}\n";
    } else {
        append_timestamp(line);
        line += ' ';
        line += to_string(level);
        line += ' ';
        line += event;
        for (const Field& field : fields) {
            line += ' ';
            line += field.key;
            line += '=';
            append_text_value(line, field.value);
        }
        line += '\n';
    }
    return line;
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
    if (!enabled(level)) return;
    const std::string line =
        format_line(g_format.load(std::memory_order_relaxed), level, event, fields);
    // One write(2): lines from several io threads never interleave, and no stdio lock or
    // buffer sits between a crash and its last log line.
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // stderr closed or full: logging must never take the process down
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace relaylab::log
