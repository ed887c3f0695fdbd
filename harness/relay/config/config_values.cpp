#include "harness/relay/config/config_values.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "harness/net/ip_range.hpp"
#include "harness/smtp/address.hpp"

namespace relaylab::relay {

namespace {

struct DurationUnit {
    char suffix;
    std::int64_t seconds;
};
// Largest first: format_duration picks the first unit that divides exactly.
constexpr std::array<DurationUnit, 4> duration_units{{
    {'d', 24 * 3600},
    {'h', 3600},
    {'m', 60},
    {'s', 1},
}};

constexpr std::string_view duration_advice =
    "a number of seconds, or a number with a unit s, m, h or d (\"300s\", \"5m\", \"2h\", "
    "\"5d\")";

template <typename Result>
std::optional<Result> fail(std::string* error, std::string message) {
    if (error) *error = std::move(message);
    return std::nullopt;
}

std::optional<std::uint64_t> parse_digits(std::string_view digits) {
    std::uint64_t value = 0;
    if (digits.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return value;
}

const net::IpRange& loopback_v4() {
    static const net::IpRange range = *net::parse_ip_range("127.0.0.0/8");
    return range;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text, std::string* error) {
    using Result = std::chrono::seconds;
    std::int64_t unit = 1;
    std::string_view digits = text;
    if (!text.empty() && (text.back() < '0' || text.back() > '9')) {
        unit = 0;
        for (const auto& candidate : duration_units) {
            if (text.back() == candidate.suffix) unit = candidate.seconds;
        }
        if (unit == 0) {
            return fail<Result>(error, "'" + std::string(1, text.back()) + "' is not a unit: use " +
                                           std::string(duration_advice));
        }
        digits.remove_suffix(1);
    }
    auto count = parse_digits(digits);
    if (!count) return fail<Result>(error, "not a duration: " + std::string(duration_advice));
    // Compare before multiplying: a huge count times a unit must not wrap around.
    auto max_count = static_cast<std::uint64_t>(limits::max_duration.count() / unit);
    if (*count > max_count) {
        return fail<Result>(error,
                            "longer than the limit of " + format_duration(limits::max_duration));
    }
    return std::chrono::seconds(static_cast<std::int64_t>(*count) * unit);
}

std::string format_duration(std::chrono::seconds duration) {
    auto count = duration.count();
    if (count == 0) return "0s";
    for (const auto& unit : duration_units) {
        if (count % unit.seconds == 0) return std::to_string(count / unit.seconds) + unit.suffix;
    }
    return std::to_string(count) + "s";
}

std::optional<HostPort> parse_host_port(std::string_view text, HostRule host_rule,
                                        PortRule port_rule, std::string* error) {
    using Result = HostPort;
    const std::string advice = host_rule == HostRule::address_literal
                                   ? "ADDRESS:PORT, e.g. \"127.0.0.1:2525\" or \"[::1]:2525\""
                                   : "HOST:PORT, e.g. \"smtp.example.test:587\", "
                                     "\"192.0.2.1:25\" or \"[2001:db8::1]:25\"";
    if (text.size() > limits::max_host_length + 6) {
        return fail<Result>(error, "too long for " + advice);
    }
    std::string_view host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return fail<Result>(error, "expected " + advice);
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
        auto address = net::parse_ip(host);
        if (!address || host.find(':') == std::string_view::npos)
            return fail<Result>(error, "brackets must hold an IPv6 address: expected " + advice);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return fail<Result>(error, "no port: expected " + advice);
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            return fail<Result>(error, "an IPv6 address needs brackets: expected " + advice);
        bool literal = net::parse_ip(host).has_value();
        if (!literal) {
            if (host_rule == HostRule::address_literal)
                return fail<Result>(error,
                                    "the host must be an IP address (relaylab resolves no "
                                    "names here): expected " +
                                        advice);
            if (host != "localhost" && !smtp::is_valid_domain(host))
                return fail<Result>(error,
                                    "the host is neither an IP address nor a host name: "
                                    "expected " +
                                        advice);
        }
    }
    auto port = parse_digits(port_text);
    std::uint64_t min_port = port_rule == PortRule::listener ? 0 : 1;
    if (!port || *port < min_port || *port > 65535) {
        return fail<Result>(
            error, "the port must be a number from " + std::to_string(min_port) + " to 65535" +
                       (port_rule == PortRule::listener ? " (0: any free port)" : ""));
    }
    return HostPort{std::string(host), static_cast<std::uint16_t>(*port)};
}

std::string format_host_port(const std::string& host, std::uint16_t port) {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

std::string format_host_port(const HostPort& host_port) {
    return format_host_port(host_port.host, host_port.port);
}

bool is_tls_level(std::string_view text) {
    return text == "none" || text == "may" || text == "encrypt" || text == "verify" ||
           text == "dane";
}

std::string fold_domain(std::string_view domain) {
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    std::string folded(domain);
    std::transform(folded.begin(), folded.end(), folded.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    return folded;
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost") return true;
    auto address = net::parse_ip(host);
    if (!address) return false;
    if (address->v4) return loopback_v4().contains(*address);
    static const net::IpAddress v6_loopback = *net::parse_ip("::1");
    return address->bytes == v6_loopback.bytes;
}

}  // namespace relaylab::relay
