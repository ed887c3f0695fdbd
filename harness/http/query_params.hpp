// Request targets of an HTTP API: the path and the query parameters, percent-decoded
// (RFC 3986 2.1; '+' as space, as HTML forms send it), and the typed values the endpoints
// take. Sans-I/O. Errors are sentences for the JSON error body.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace relaylab::http {

struct Target {
    std::string path;  // decoded
    std::map<std::string, std::string, std::less<>> params;
};

// Fails on bad percent-encoding, a repeated parameter, or a decoded NUL.
std::variant<Target, std::string> parse_target(std::string_view target);

// The value of `name` as an unsigned integer in [min, max]; `fallback` when absent.
std::variant<std::uint64_t, std::string> integer_param(const Target& target, std::string_view name,
                                                       std::uint64_t fallback, std::uint64_t min,
                                                       std::uint64_t max);

// A parameter other than those listed: the error names it and the known ones.
std::optional<std::string> unknown_param(const Target& target,
                                         std::initializer_list<std::string_view> known);

}  // namespace relaylab::http
