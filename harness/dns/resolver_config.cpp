#include "harness/dns/resolver_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace relaylab::dns {

namespace {

constexpr std::chrono::milliseconds fixture_try_timeout{1000};

bool is_ip(const std::string& text) {
    unsigned char buf[16];
    return inet_pton(AF_INET, text.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
        throw std::invalid_argument("bad port in name server '" + std::string(whole) +
                                    "' (want 1-65535)");
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string NameServer::to_string() const {
    bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

ResolverConfig ResolverConfig::fixture(std::string address, std::uint16_t port) {
    ResolverConfig config;
    config.servers.push_back({std::move(address), port});
    config.timeout = fixture_try_timeout;
    return config;
}

void validate(const ResolverConfig& config) {
    if (config.servers.empty()) throw std::invalid_argument("resolver: no name servers");
    if (config.servers.size() > max_servers) {
        throw std::invalid_argument("resolver: more than " + std::to_string(max_servers) +
                                    " name servers");
    }
    for (const auto& server : config.servers) {
        if (!is_ip(server.address)) {
            throw std::invalid_argument("resolver: '" + server.address +
                                        "' is not a numeric IP address");
        }
        if (server.port == 0) throw std::invalid_argument("resolver: port 0 for " + server.address);
    }
    if (config.timeout <= std::chrono::milliseconds(0) || config.timeout > max_try_timeout) {
        throw std::invalid_argument("resolver: timeout must be 1 to 60000 ms");
    }
    if (config.tries < 1 || config.tries > max_tries) {
        throw std::invalid_argument("resolver: tries must be 1 to " + std::to_string(max_tries));
    }
    if (config.edns_udp_size != 0 && config.edns_udp_size < max_udp_plain) {
        throw std::invalid_argument("resolver: EDNS UDP size must be 0 or at least 512");
    }
}

NameServer parse_name_server(std::string_view text) {
    NameServer server;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) {
            throw std::invalid_argument("missing ']' in name server '" + std::string(text) + "'");
        }
        server.address = std::string(text.substr(1, close - 1));
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                throw std::invalid_argument("want [v6]:PORT, got '" + std::string(text) + "'");
            }
            server.port = parse_port(rest.substr(1), text);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        auto colon = text.find(':');
        server.address = std::string(text.substr(0, colon));
        server.port = parse_port(text.substr(colon + 1), text);
    } else {
        server.address = std::string(text);  // IPv4 or bare IPv6, port 53
    }
    if (!is_ip(server.address)) {
        throw std::invalid_argument("name server '" + std::string(text) +
                                    "' is not a numeric IP address");
    }
    return server;
}

ResolverConfig config_from_resolv_conf_text(std::string_view text) {
    ResolverConfig config;
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        if (auto comment = line.find_first_of("#;"); comment != std::string::npos) {
            line.resize(comment);
        }
        std::istringstream words(line);
        std::string keyword;
        words >> keyword;
        if (keyword == "nameserver") {
            std::string address;
            words >> address;
            // A scope suffix (fe80::1%eth0) is dropped: link-local servers are not for tests.
            if (auto pct = address.find('%'); pct != std::string::npos) address.resize(pct);
            if (is_ip(address) && config.servers.size() < max_servers) {
                config.servers.push_back({address, 53});
            }
        } else if (keyword == "options") {
            std::string option;
            while (words >> option) {
                int value = 0;
                auto parse = [&](std::string_view prefix) {
                    if (option.rfind(prefix, 0) != 0) return false;
                    auto digits = std::string_view(option).substr(prefix.size());
                    auto [end, ec] =
                        std::from_chars(digits.data(), digits.data() + digits.size(), value);
                    return ec == std::errc() && value > 0;
                };
                // resolv.conf(5): timeout in seconds (cap 30), attempts (cap 5).
                if (parse("timeout:")) config.timeout = std::chrono::seconds(std::min(value, 30));
                if (parse("attempts:")) config.tries = std::min(value, 5);
            }
        }
    }
    if (config.servers.empty()) throw std::runtime_error("no usable 'nameserver' line");
    return config;
}

ResolverConfig config_from_resolv_conf(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    std::stringstream text;
    text << in.rdbuf();
    try {
        return config_from_resolv_conf_text(text.str());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

}  // namespace relaylab::dns
