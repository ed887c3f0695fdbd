// world: the fixture DNS (world_dns_parser.cpp), the fake MX hosts with their behaviours and
// loopback addresses, and the sender domains with their SPF, DMARC and DKIM.
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/behaviour/presets.hpp"
#include "harness/scenario/parse_context.hpp"
#include "harness/smtp/address.hpp"

namespace relaylab::scenario::detail {

namespace {

constexpr std::size_t max_hosts = 1000;
constexpr std::size_t max_senders = 1000;
constexpr std::size_t max_key_file_bytes = 64u << 10;  // an RSA 8192 PEM is under 7 KB
constexpr std::string_view default_behaviour = "accept-all";
// The fake MX hosts' own addresses start after 127.0.0.1, which the relay and the fixture DNS
// listen on.
constexpr std::uint32_t first_mx_address = (127u << 24) | 2u;
constexpr std::uint32_t last_loopback_address = (127u << 24) | 0xfffffeu;

// A dotted-quad IPv4 address in 127.0.0.0/8 (not the network or broadcast address).
std::optional<std::uint32_t> parse_loopback(std::string_view text) {
    std::uint32_t address = 0;
    for (int index = 0; index < 4; ++index) {
        auto dot = text.find('.');
        bool last = index == 3;
        if (last != (dot == std::string_view::npos)) return std::nullopt;
        auto part = text.substr(0, dot);
        if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0'))
            return std::nullopt;
        unsigned value = 0;
        for (char c : part) {
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value > 255) return std::nullopt;
        address = (address << 8) | value;
        text.remove_prefix(last ? text.size() : dot + 1);
    }
    if ((address >> 24) != 127 || address == (127u << 24) || address == 0x7fffffffu)
        return std::nullopt;
    return address;
}

std::string format_ipv4(std::uint32_t address) {
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
           std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

std::string preset_list() {
    std::string out;
    for (const auto& preset : fakemx::presets()) {
        if (!out.empty()) out += ", ";
        out += preset.name;
    }
    return out;
}

void parse_behaviour(const nlohmann::json& value, const Where& where, const Context& context,
                     MxHost& host) {
    if (value.is_object()) {
        const std::string source = "inline";
        try {
            host.behaviour = fakemx::parse_behaviour(value, source);
        } catch (const fakemx::BehaviourError& e) {
            std::string message = e.what();
            if (message.starts_with(source + ": ")) message = message.substr(source.size() + 2);
            auto [pointer, reason] = split_pointer(message);
            context.fail_at(where, pointer, reason);
        }
        host.behaviour_source = "inline";
        return;
    }
    if (!value.is_string()) {
        where.fail("must be a preset name (" + preset_list() +
                   "), a behaviour file ending in .json, or an inline behaviour object, got " +
                   json::type_name(value));
    }
    auto name = get_string(value, where, max_path);
    nlohmann::json document;
    std::string source;
    if (name.ends_with(".json")) {
        auto path = context.existing_file(value, where);
        auto text = context.read_file(path, where, fakemx::max_behaviour_file_bytes);
        source = path.string();
        try {
            document = nlohmann::json::parse(text);
        } catch (const nlohmann::json::parse_error& e) {
            where.fail(source + ": not valid JSON: " + e.what());
        }
        host.behaviour_source = name;
    } else {
        auto preset = fakemx::preset_json(name);
        if (!preset) {
            where.fail(show(value) + " is not a preset (" + preset_list() +
                       "); a behaviour file's name ends in .json");
        }
        source = "preset " + name;
        document = nlohmann::json::parse(*preset);
        host.behaviour_source = source;
    }
    try {
        host.behaviour = fakemx::parse_behaviour(document, source);
    } catch (const fakemx::BehaviourError& e) {
        where.fail(e.what());
    }
}

class MxParser {
  public:
    explicit MxParser(const Context& context) : context_(context) {}

    std::vector<MxHost> parse(const nlohmann::json& value, const Where& where) {
        if (!value.is_array()) where.fail("must be an array of fake MX hosts, got " + show(value));
        if (value.size() > max_hosts) {
            where.fail("has more than " + std::to_string(max_hosts) + " hosts");
        }
        std::vector<MxHost> hosts;
        std::vector<bool> explicit_address;
        for (std::size_t i = 0; i < value.size(); ++i) {
            auto host = parse_host(value[i], where / i);
            explicit_address.push_back(!host.address.empty());
            hosts.push_back(std::move(host));
        }
        // Defaults in order, skipping every address a host was given explicitly.
        std::uint32_t next = first_mx_address;
        for (std::size_t i = 0; i < hosts.size(); ++i) {
            if (explicit_address[i]) continue;
            while (used_.contains(next) && next <= last_loopback_address)
                ++next;
            if (next > last_loopback_address) (where / i).fail("no loopback address left");
            used_.emplace(next, (where / i).pointer());
            hosts[i].address = format_ipv4(next++);
        }
        return hosts;
    }

  private:
    MxHost parse_host(const nlohmann::json& value, const Where& where) {
        expect_object(value, where, {"name", "address", "domains", "preference", "behaviour"});
        MxHost host;
        if (!value.contains("name")) {
            where.fail("needs \"name\": the host's name, e.g. \"mx1.gmail.test\"");
        }
        host.name = get_domain(value["name"], where / "name");
        auto [named, fresh_name] = names_.emplace(host.name, where.pointer());
        if (!fresh_name) {
            (where / "name").fail(show(value["name"]) + " is already the name of " + named->second);
        }
        if (value.contains("address")) {
            auto at = where / "address";
            auto text = get_string(value["address"], at, max_text);
            auto address = parse_loopback(text);
            if (!address) {
                at.fail(show(value["address"]) +
                        " is not an IPv4 loopback address (127.0.0.2 to 127.255.255.254): the "
                        "fake MX hosts live on this machine, one address each");
            }
            auto [used, fresh] = used_.emplace(*address, where.pointer());
            if (!fresh) {
                at.fail(show(value["address"]) + " is already the address of " + used->second +
                        ": each host needs its own");
            }
            host.address = format_ipv4(*address);
        }
        if (value.contains("domains")) {
            const auto& domains = value["domains"];
            auto at = where / "domains";
            if (!domains.is_array()) {
                at.fail("must be an array of the domains this host is an MX for, got " +
                        show(domains));
            }
            if (domains.size() > max_list)
                at.fail("has more than " + std::to_string(max_list) + " domains");
            std::set<std::string> seen;
            for (std::size_t j = 0; j < domains.size(); ++j) {
                auto domain = get_domain(domains[j], at / j);
                if (!seen.insert(domain).second)
                    (at / j).fail(show(domains[j]) + " is listed twice");
                host.domains.push_back(std::move(domain));
            }
        }
        if (value.contains("preference")) {
            host.preference = static_cast<unsigned>(
                get_unsigned(value["preference"], where / "preference", 0, 65535));
        }
        parse_behaviour(
            value.contains("behaviour") ? value["behaviour"] : nlohmann::json(default_behaviour),
            where / "behaviour", context_, host);
        return host;
    }

    const Context& context_;
    std::map<std::uint32_t, std::string> used_;  // address -> the host's pointer
    std::map<std::string, std::string> names_;   // name -> the host's pointer
};

SenderDomain::Dkim parse_dkim(const nlohmann::json& value, const Where& where,
                              const Context& context) {
    expect_object(value, where, {"selector", "key"});
    if (!value.contains("selector")) {
        where.fail("needs \"selector\": the DKIM selector (s=), e.g. \"s2026\"");
    }
    SenderDomain::Dkim dkim;
    auto selector = get_string(value["selector"], where / "selector", max_domain);
    // RFC 6376 3.1: a selector is one or more sub-domain labels.
    if (!smtp::is_valid_domain(selector)) {
        (where / "selector")
            .fail(show(value["selector"]) +
                  " is not a selector (labels of letters, digits and hyphens)");
    }
    dkim.selector = selector;
    if (value.contains("key")) {
        auto at = where / "key";
        dkim.private_key = context.existing_file(value["key"], at);
        auto pem = context.read_file(dkim.private_key, at, max_key_file_bytes);
        if (pem.find("-----BEGIN ") == std::string::npos ||
            pem.find("PRIVATE KEY-----") == std::string::npos) {
            at.fail(show(value["key"]) +
                    ": not a PEM private key (\"-----BEGIN PRIVATE KEY-----\"); leave \"key\" "
                    "out and the runner generates one");
        }
    }
    return dkim;
}

std::vector<SenderDomain> parse_senders(const nlohmann::json& value, const Where& where,
                                        const Context& context) {
    if (!value.is_array()) where.fail("must be an array of sender domains, got " + show(value));
    if (value.size() > max_senders)
        where.fail("has more than " + std::to_string(max_senders) + " domains");
    std::vector<SenderDomain> senders;
    std::map<std::string, std::string> seen;
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto at = where / i;
        const auto& item = value[i];
        expect_object(item, at, {"domain", "spf", "dmarc", "dkim"});
        if (!item.contains("domain")) at.fail("needs \"domain\", e.g. \"example.test\"");
        SenderDomain sender;
        sender.domain = get_domain(item["domain"], at / "domain");
        auto [other, fresh] = seen.emplace(sender.domain, at.pointer());
        if (!fresh) (at / "domain").fail(show(item["domain"]) + " is already " + other->second);
        // TXT content: the runner quotes it; one line keeps the zone's syntax intact.
        if (item.contains("spf")) sender.spf = get_line(item["spf"], at / "spf", max_text);
        if (item.contains("dmarc")) sender.dmarc = get_line(item["dmarc"], at / "dmarc", max_text);
        if (item.contains("dkim")) sender.dkim = parse_dkim(item["dkim"], at / "dkim", context);
        senders.push_back(std::move(sender));
    }
    return senders;
}

}  // namespace

World parse_world(const nlohmann::json& value, const Where& where, const Context& context) {
    expect_object(value, where, {"dns", "mx_port", "mx", "senders", "spam", "recipients"});
    World world;
    if (value.contains("dns")) parse_dns(value["dns"], where / "dns", context, world.dns);
    if (value.contains("mx_port")) {
        world.mx_port =
            static_cast<std::uint16_t>(get_unsigned(value["mx_port"], where / "mx_port", 0, 65535));
    }
    if (value.contains("mx")) world.mx = MxParser(context).parse(value["mx"], where / "mx");
    if (value.contains("senders"))
        world.senders = parse_senders(value["senders"], where / "senders", context);
    if (value.contains("spam")) world.spam = parse_spam(value["spam"], where / "spam");
    if (value.contains("recipients"))
        world.recipients = parse_simulated_recipients(value["recipients"], where / "recipients");
    return world;
}

}  // namespace relaylab::scenario::detail
