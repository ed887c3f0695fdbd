#include "harness/cli/args.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <sstream>

namespace relaylab::cli {

namespace {

const OptionSpec* find_option(const CommandSpec& spec, std::string_view name) {
    for (const auto& option : spec.options) {
        if (option.name == name) return &option;
    }
    return nullptr;
}

}  // namespace

bool ParsedArgs::has(std::string_view name) const {
    return values_.find(name) != values_.end();
}

std::optional<std::string> ParsedArgs::get(std::string_view name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::string ParsedArgs::get_or(std::string_view name, std::string_view fallback) const {
    auto value = get(name);
    return value ? *value : std::string(fallback);
}

std::vector<std::string> ParsedArgs::all(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::uint64_t ParsedArgs::get_uint(std::string_view name, std::uint64_t fallback, std::uint64_t min,
                                   std::uint64_t max) const {
    auto text = get(name);
    if (!text) return fallback;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size()) {
        throw UsageError(std::string(name) + ": '" + *text + "' is not a whole number");
    }
    if (value < min || value > max) {
        throw UsageError(std::string(name) + ": " + *text + " is out of range [" +
                         std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return value;
}

double ParsedArgs::get_double(std::string_view name, double fallback, double min,
                              double max) const {
    auto text = get(name);
    if (!text) return fallback;
    double value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || !std::isfinite(value)) {
        throw UsageError(std::string(name) + ": '" + *text + "' is not a number");
    }
    if (value < min || value > max) {
        std::ostringstream range;
        range << name << ": " << *text << " is out of range [" << min << ", " << max << "]";
        throw UsageError(range.str());
    }
    return value;
}

ParsedArgs parse_args(const CommandSpec& spec, const std::vector<std::string>& args) {
    ParsedArgs parsed;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (options_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
            parsed.positional_.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            parsed.help_ = true;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> inline_value;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        const OptionSpec* option = find_option(spec, name);
        if (option == nullptr) {
            throw UsageError("unknown option '" + name + "'");
        }
        if (!option->repeatable && parsed.has(name)) {
            throw UsageError(name + " given more than once");
        }
        auto& slot = parsed.values_[name];
        if (option->value_name.empty()) {
            if (inline_value) throw UsageError(name + " takes no value");
            slot.emplace_back();
            continue;
        }
        if (inline_value) {
            slot.push_back(*inline_value);
        } else if (i + 1 < args.size()) {
            slot.push_back(args[++i]);
        } else {
            throw UsageError(name + " needs a value (" + option->value_name + ")");
        }
    }
    if (!parsed.help_) {
        if (parsed.positional_.size() < spec.min_positional) {
            throw UsageError("missing " + (spec.positional_name.empty() ? std::string("argument")
                                                                        : spec.positional_name));
        }
        if (parsed.positional_.size() > spec.max_positional) {
            throw UsageError("unexpected argument '" + parsed.positional_[spec.max_positional] +
                             "'");
        }
    }
    return parsed;
}

std::string help_text(const CommandSpec& spec) {
    std::ostringstream out;
    out << "usage: relaylab " << spec.name << ' ' << spec.synopsis << "\n\n";
    out << (spec.description.empty() ? spec.summary : spec.description) << "\n\noptions:\n";
    std::size_t width = 10;
    for (const auto& option : spec.options) {
        width = std::max(width, option.name.size() + option.value_name.size() + 1);
    }
    auto line = [&](const std::string& left, const std::string& help) {
        out << "  " << left << std::string(width + 2 - std::min(width + 1, left.size()), ' ')
            << help << '\n';
    };
    for (const auto& option : spec.options) {
        line(option.value_name.empty() ? option.name : option.name + ' ' + option.value_name,
             option.help);
    }
    line("--help", "show this help");
    return out.str();
}

HostPort parse_host_port(std::string_view option, std::string_view text,
                         std::string_view default_host) {
    auto bad = [&](std::string_view why) {
        return UsageError(std::string(option) + ": '" + std::string(text) + "' " +
                          std::string(why) + " (expected HOST:PORT, e.g. 127.0.0.1:2525)");
    };
    HostPort result;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            throw bad("has a malformed [IPv6] part");
        }
        result.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) throw bad("has no port");
        result.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    if (result.host.empty()) result.host = std::string(default_host);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
        throw bad("has a bad port");
    }
    result.port = static_cast<std::uint16_t>(port);
    return result;
}

HostPort parse_listen_address(std::string_view option, std::string_view text) {
    HostPort result = parse_host_port(option, text);
    // README: addresses are IP literals or `localhost`, never looked up (no resolver here).
    if (result.host == "localhost") result.host = "127.0.0.1";
    unsigned char address[sizeof(in6_addr)];
    if (inet_pton(AF_INET, result.host.c_str(), address) != 1 &&
        inet_pton(AF_INET6, result.host.c_str(), address) != 1) {
        throw UsageError(std::string(option) + ": '" + result.host +
                         "' is not an IP address (listen on an address, e.g. 127.0.0.1:2525)");
    }
    return result;
}

}  // namespace relaylab::cli
