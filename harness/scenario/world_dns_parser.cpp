// world.dns: zone files (loaded now, so a bad record names its file and line before the run),
// inline zones (joined into master-file text, SOA and NS added when absent, loaded the same
// way), fault rules (inline or a file) and the listen address.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "fake-mx/dns-fixture/core/fault_rules.hpp"
#include "fake-mx/dns-fixture/core/zone.hpp"
#include "harness/relay/config/config_values.hpp"
#include "harness/scenario/parse_context.hpp"

namespace relaylab::scenario::detail {

namespace {

constexpr std::size_t max_zones = 1000;
constexpr std::size_t max_records = 100'000;  // per inline zone
constexpr std::size_t max_record_length = 65'535;
// Inline zones get a short TTL: a fixture's data changes from one run to the next.
constexpr std::string_view inline_zone_ttl = "300";
// The SOA and NS a zone needs and an inline zone usually leaves out (RFC 1035 5.2). Relative
// names, so they sit under whatever origin the zone has.
constexpr std::string_view default_soa = "@ IN SOA ns hostmaster 1 3600 600 86400 300";
constexpr std::string_view default_ns = "@ IN NS ns";

std::string upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// The record type of one master-file line: after the owner (absent when the line starts with
// a blank), skip a TTL and a class in either order; the next word is the type.
std::string record_type(std::string_view record) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < record.size() && words.size() < 4) {
        pos = record.find_first_not_of(" \t", pos);
        if (pos == std::string_view::npos) break;
        auto end = record.find_first_of(" \t", pos);
        if (end == std::string_view::npos) end = record.size();
        words.push_back(record.substr(pos, end - pos));
        pos = end;
    }
    std::size_t i = (!record.empty() && record[0] != ' ' && record[0] != '\t') ? 1 : 0;
    for (; i < words.size(); ++i) {
        auto word = upper(words[i]);
        bool ttl = std::isdigit(static_cast<unsigned char>(word[0])) != 0;
        bool klass = word == "IN" || word == "CH" || word == "HS" || word == "CS";
        if (!ttl && !klass) return word;
    }
    return {};
}

// "inline:7: unknown RR type" → "unknown RR type": the location is said by the pointer.
std::string zone_reason(const std::string& what, const std::string& source) {
    if (!what.starts_with(source)) return what;
    auto colon = what.find(": ", source.size());
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

class DnsParser {
  public:
    DnsParser(const Context& context, DnsWorld& dns) : context_(context), dns_(dns) {}

    void parse(const nlohmann::json& value, const Where& where) {
        expect_object(value, where, {"zones", "inline_zones", "faults", "listen"});
        if (value.contains("zones")) parse_zone_files(value["zones"], where / "zones");
        if (value.contains("inline_zones"))
            parse_inline_zones(value["inline_zones"], where / "inline_zones");
        if (value.contains("faults")) parse_faults(value["faults"], where / "faults");
        if (value.contains("listen")) {
            auto text = get_string(value["listen"], where / "listen", max_text);
            std::string error;
            auto at = relay::parse_host_port(text, relay::HostRule::address_literal,
                                             relay::PortRule::listener, &error);
            if (!at) (where / "listen").fail(show(value["listen"]) + ": " + error);
            dns_.listen_address = at->host;
            dns_.listen_port = at->port;
        }
    }

  private:
    const nlohmann::json& array(const nlohmann::json& value, const Where& where,
                                std::size_t max_items, const char* of) {
        if (!value.is_array()) where.fail(std::string("must be an array of ") + of);
        if (value.size() > max_items) {
            where.fail("has " + std::to_string(value.size()) + " items, more than the limit of " +
                       std::to_string(max_items));
        }
        return value;
    }

    // Two zones with one apex: the fixture would refuse to start; say which keys collide now.
    void add_apex(const std::string& apex, const Where& where) {
        auto [it, added] = apexes_.emplace(apex, where.pointer());
        if (!added) where.fail("zone " + apex + " is already given by " + it->second);
    }

    void parse_zone_files(const nlohmann::json& value, const Where& where) {
        array(value, where, max_zones, "zone file names (relative to the scenario's folder)");
        for (std::size_t i = 0; i < value.size(); ++i) {
            auto at = where / i;
            auto path = context_.existing_file(value[i], at);
            try {
                auto zone = dns::fixture::load_zone_file(path);
                add_apex(zone.apex(), at);
            } catch (const dns::fixture::ZoneError& e) {
                at.fail(e.what());
            }
            dns_.zone_files.push_back(path);
        }
    }

    void parse_inline_zones(const nlohmann::json& value, const Where& where) {
        array(value, where, max_zones, "{\"origin\", \"records\"} objects");
        for (std::size_t i = 0; i < value.size(); ++i)
            parse_inline_zone(value[i], where / i);
    }

    void parse_inline_zone(const nlohmann::json& value, const Where& where) {
        expect_object(value, where, {"origin", "records"});
        if (!value.contains("origin")) {
            where.fail("needs \"origin\": the zone's apex, e.g. \"gmail.test.\"");
        }
        std::string origin = get_domain(value["origin"], where / "origin") + ".";
        std::vector<std::string> records;
        auto records_at = where / "records";
        if (value.contains("records")) {
            const auto& list = value["records"];
            array(list, records_at, max_records, "records in master-file syntax");
            for (std::size_t j = 0; j < list.size(); ++j) {
                auto at = records_at / j;
                auto record = get_string(list[j], at, max_record_length);
                // One record per string: a line break would hide a second record (and its
                // errors) behind this one's pointer.
                for (unsigned char c : record) {
                    if ((c < 0x20 && c != '\t') || c == 0x7f) {
                        at.fail(
                            "must be one record on one line (no line breaks or control "
                            "characters)");
                    }
                }
                if (record.find_first_not_of(" \t") == std::string::npos) {
                    at.fail("is empty: a record such as \"@ MX 10 mx1\"");
                }
                if (record.front() == '$') {
                    at.fail(show(list[j]) +
                            ": directives are not records here (the origin is \"origin\"; "
                            "$INCLUDE: list the file in \"zones\")");
                }
                records.push_back(std::move(record));
            }
        }

        // The text, with the line of each record kept so a loader error points at it.
        std::string text = "$ORIGIN " + origin + "\n$TTL " + std::string(inline_zone_ttl) + "\n";
        std::vector<std::optional<std::size_t>> record_at_line{std::nullopt, std::nullopt,
                                                               std::nullopt};  // 0, $ORIGIN, $TTL
        auto add_line = [&](std::string_view line, std::optional<std::size_t> record) {
            text += line;
            text += '\n';
            record_at_line.push_back(record);
        };
        std::optional<std::size_t> soa;
        bool has_ns = false;
        for (std::size_t j = 0; j < records.size(); ++j) {
            auto type = record_type(records[j]);
            if (type == "SOA" && !soa) soa = j;
            if (type == "NS") has_ns = true;
        }
        // The loader wants the SOA first.
        if (soa) {
            add_line(records[*soa], soa);
        } else {
            add_line(default_soa, std::nullopt);
        }
        if (!has_ns) add_line(default_ns, std::nullopt);
        for (std::size_t j = 0; j < records.size(); ++j) {
            if (j != soa) add_line(records[j], j);
        }

        const std::string source = "inline";
        try {
            auto zone = dns::fixture::load_zone_text(text, source);
            add_apex(zone.apex(), where / "origin");
        } catch (const dns::fixture::ZoneError& e) {
            auto reason = zone_reason(e.what(), source);
            auto line = static_cast<std::size_t>(e.line());
            if (e.line() > 0 && line < record_at_line.size() && record_at_line[line]) {
                (records_at / *record_at_line[line])
                    .fail(show(value["records"][*record_at_line[line]]) + ": " + reason);
            }
            where.fail(reason);
        }
        dns_.zones.push_back(DnsWorld::InlineZone{origin, std::move(text)});
    }

    void parse_faults(const nlohmann::json& value, const Where& where) {
        if (value.is_string()) {
            auto path = context_.existing_file(value, where);
            auto text = context_.read_file(path, where, dns::fixture::max_fault_file_bytes);
            nlohmann::json document;
            try {
                document = nlohmann::json::parse(text);
            } catch (const nlohmann::json::parse_error& e) {
                where.fail(path.string() + ": not valid JSON: " + e.what());
            }
            try {
                dns::fixture::parse_fault_rules(document);
            } catch (const dns::fixture::FaultRuleError& e) {
                where.fail(path.string() + ": " + e.what());
            }
            dns_.faults = document.is_object() ? document["rules"] : document;
            return;
        }
        if (!value.is_array() && !value.is_object()) {
            where.fail(
                "must be an array of fault rules (as `relaylab dns --faults` reads) or the "
                "name of a file holding them, got " +
                json::type_name(value));
        }
        try {
            dns::fixture::parse_fault_rules(value, where.pointer());
        } catch (const dns::fixture::FaultRuleError& e) {
            auto [pointer, reason] = split_pointer(e.what());
            context_.fail_at(context_.root(), pointer, reason);
        }
        dns_.faults = value.is_object() ? value["rules"] : value;
    }

    const Context& context_;
    DnsWorld& dns_;
    std::map<std::string, std::string> apexes_;  // apex -> the pointer that gave it
};

}  // namespace

void parse_dns(const nlohmann::json& value, const Where& where, const Context& context,
               DnsWorld& dns) {
    DnsParser(context, dns).parse(value, where);
}

}  // namespace relaylab::scenario::detail
