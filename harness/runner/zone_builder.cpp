#include "harness/runner/zone_builder.hpp"

#include <algorithm>
#include <cctype>

namespace relaylab::runner {

namespace {

constexpr std::size_t txt_string_max = 255;

std::string zone_header(const std::string& origin) {
    // Short TTLs and timers: a fixture, nothing caches it for long.
    return "$ORIGIN " + origin + "\n$TTL 60\n" + "@ IN SOA ns." + origin + " hostmaster." + origin +
           " 1 60 60 600 60\n" + "@ IN NS ns." + origin + "\n" + "ns." + origin +
           " IN A 127.0.0.1\n";
}

bool within(const std::string& name, const std::string& origin) {
    return name == origin || (name.size() > origin.size() && name.ends_with(origin) &&
                              name[name.size() - origin.size() - 1] == '.');
}

}  // namespace

std::string absolute_name(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.empty() || name.back() != '.') name += '.';
    return name;
}

std::string txt_data(const std::string& text) {
    std::string escaped;
    for (char c : text) {
        if (c == '"' || c == '\\') escaped += '\\';
        escaped += c;
    }
    std::string out;
    // Split on the unescaped length: count source octets, not escape characters.
    std::size_t taken = 0;
    std::string piece;
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        piece += escaped[i];
        if (escaped[i] == '\\' && i + 1 < escaped.size()) piece += escaped[++i];
        if (++taken == txt_string_max) {
            out += (out.empty() ? "\"" : " \"") + piece + "\"";
            piece.clear();
            taken = 0;
        }
    }
    if (!piece.empty() || out.empty()) out += (out.empty() ? "\"" : " \"") + piece + "\"";
    return out;
}

std::vector<SynthesizedZone> synthesize_zones(const ZoneInputs& inputs) {
    // Records per origin, in the order they are made; origins in first-seen order.
    std::vector<std::string> order;
    std::map<std::string, std::string> records;
    auto zone_for = [&](const std::string& origin) -> std::string& {
        if (!records.count(origin)) order.push_back(origin);
        return records[origin];
    };
    std::set<std::string> domains_with_mx;
    for (const auto& host : inputs.hosts)
        for (const auto& domain : host.domains)
            domains_with_mx.insert(absolute_name(domain));

    // Which synthesized origin holds a name: the longest origin among the domains we make
    // zones for that contains it; else the name is an origin of its own.
    std::set<std::string> origins = domains_with_mx;
    for (const auto& sender : inputs.senders)
        origins.insert(absolute_name(sender.domain));
    auto origin_of = [&](const std::string& name) {
        std::string best;
        for (const auto& origin : origins)
            if (within(name, origin) && origin.size() > best.size()) best = origin;
        if (best.empty()) {
            origins.insert(name);
            best = name;
        }
        return best;
    };

    for (const auto& host : inputs.hosts) {
        std::string name = absolute_name(host.name);
        for (const auto& domain : host.domains) {
            std::string origin = absolute_name(domain);
            zone_for(origin) +=
                origin + " IN MX " + std::to_string(host.preference) + " " + name + "\n";
        }
        zone_for(origin_of(name)) += name + " IN A " + host.address + "\n";
    }
    for (const auto& sender : inputs.senders) {
        std::string origin = absolute_name(sender.domain);
        std::string& zone = zone_for(origin);
        if (!sender.spf.empty()) zone += origin + " IN TXT " + txt_data(sender.spf) + "\n";
        if (!sender.dmarc.empty())
            zone += "_dmarc." + origin + " IN TXT " + txt_data(sender.dmarc) + "\n";
        if (!sender.dkim_record.empty())
            zone += sender.dkim_selector + "._domainkey." + origin + " IN TXT " +
                    txt_data(sender.dkim_record) + "\n";
        if (!domains_with_mx.count(origin) && !inputs.bounce_host.empty())
            zone += origin + " IN MX 10 " + absolute_name(inputs.bounce_host) + "\n";
    }

    std::vector<SynthesizedZone> out;
    for (const auto& origin : order) {
        if (inputs.user_origins.count(origin)) continue;  // the scenario's own zone wins
        out.push_back({origin, zone_header(origin) + records[origin]});
    }
    return out;
}

}  // namespace relaylab::runner
