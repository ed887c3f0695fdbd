// parse_scenario / load_scenario: the top level of a scenario file (name, description, seed,
// world, relay, traffic, drain, expect); each section is read by its own file.
#include "harness/scenario/scenario_parser.hpp"

#include <fstream>
#include <limits>
#include <map>
#include <system_error>

#include "harness/scenario/address_templates.hpp"
#include "harness/scenario/parse_context.hpp"

namespace relaylab::scenario {

namespace {

using detail::Where;

constexpr std::size_t max_name_length = 200;
constexpr std::size_t max_description_length = 4000;
constexpr std::size_t max_expectations = 1000;

std::vector<reports::Expectation> parse_expect(const nlohmann::json& value, const Where& where) {
    if (!value.is_array()) {
        where.fail(
            "must be an array of expectations: \"totals.lost == 0\" or {\"name\", "
            "\"check\"}, got " +
            json::type_name(value));
    }
    if (value.size() > max_expectations) {
        where.fail("has more than " + std::to_string(max_expectations) + " expectations");
    }
    std::vector<reports::Expectation> expectations;
    std::map<std::string, std::string> names;  // name -> pointer
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto at = where / i;
        const auto& item = value[i];
        std::optional<std::string> name;
        auto check_at = at;
        const nlohmann::json* check = &item;
        if (item.is_object()) {
            detail::expect_object(item, at, {"name", "check"});
            if (!item.contains("check")) {
                at.fail("needs \"check\": the expectation, e.g. \"totals.lost == 0\"");
            }
            if (item.contains("name")) {
                name = detail::get_line(item["name"], at / "name", max_name_length);
                if (name->empty()) (at / "name").fail("must not be empty (leave it out instead)");
            }
            check = &item["check"];
            check_at = at / "check";
        } else if (!item.is_string()) {
            at.fail(
                "must be an expectation such as \"totals.lost == 0\" or {\"name\", \"check\"}, "
                "got " +
                json::type_name(item));
        }
        if (!check->is_string()) check_at.fail("must be a string, got " + json::type_name(*check));
        std::string error;
        auto expectation = reports::parse_expectation(check->get_ref<const std::string&>(), &error);
        if (!expectation) check_at.fail(error);
        if (name) expectation->name = *name;
        // Names tell the rows apart in report.html and junit.xml.
        auto [other, fresh] = names.emplace(expectation->name, at.pointer());
        if (!fresh) {
            (name ? at / "name" : at)
                .fail("\"" + expectation->name + "\" is already the name of " + other->second +
                      ": give each expectation its own");
        }
        expectations.push_back(std::move(*expectation));
    }
    return expectations;
}

Drain parse_drain(const nlohmann::json& value, const Where& where) {
    detail::expect_object(value, where, {"timeout"});
    Drain drain;
    if (value.contains("timeout")) {
        drain.timeout = detail::get_duration(value["timeout"], where / "timeout",
                                             std::chrono::milliseconds(0), detail::max_duration);
    }
    return drain;
}

// No senders given: the domain of the first sender address gets the defaults, so the world
// publishes SPF and DMARC for the mail the traffic sends.
SenderDomain default_sender(const load::TrafficModel& traffic) {
    SenderDomain sender;
    auto address = detail::expand_for_message_one(traffic.from.front().address);
    sender.domain = address.substr(address.rfind('@') + 1);
    for (auto& c : sender.domain) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return sender;
}

std::string default_name(const std::string& source) {
    auto stem = std::filesystem::path(source).stem().string();
    return stem.empty() ? std::string("scenario") : stem;
}

// "line 3, column 17" from a byte offset, counting as editors do (1-based).
std::string line_and_column(std::string_view text, std::size_t byte) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 3, column 17:
// syntax error while parsing ..."; the reason alone follows our own location.
std::string parse_error_reason(const std::string& what) {
    auto at = what.find("column ");
    if (at != std::string::npos) {
        auto colon = what.find(": ", at);
        if (colon != std::string::npos) return what.substr(colon + 2);
    }
    return what;
}

}  // namespace

Scenario parse_scenario(const nlohmann::json& document, const std::string& source,
                        const std::filesystem::path& base_dir) {
    detail::Context context(source, base_dir);
    const auto& root = context.root();
    detail::expect_object(
        document, root,
        {"name", "description", "seed", "world", "relay", "traffic", "drain", "expect", "shards"});
    if (!document.contains("traffic")) {
        root.fail(
            "needs \"traffic\": at least {\"from\": \"news@example.test\", \"to\": "
            "\"user{n}@gmail.test\"}");
    }
    Scenario scenario;
    scenario.source = source;
    scenario.name = default_name(source);
    if (document.contains("name")) {
        scenario.name = detail::get_line(document["name"], root / "name", max_name_length);
        if (scenario.name.empty()) (root / "name").fail("must not be empty");
    }
    if (document.contains("description")) {
        scenario.description = detail::get_string(document["description"], root / "description",
                                                  max_description_length);
    }
    // The order of the sections is the order of the file: the first error a user sees is the
    // first in the file.
    if (document.contains("world"))
        scenario.world = detail::parse_world(document["world"], root / "world", context);
    if (document.contains("relay"))
        scenario.relay = detail::parse_relay(document["relay"], root / "relay", context);
    scenario.traffic = detail::parse_traffic(document["traffic"], root / "traffic");
    if (document.contains("seed")) {
        scenario.traffic.seed = detail::get_unsigned(document["seed"], root / "seed", 0,
                                                     std::numeric_limits<std::uint64_t>::max());
    }
    if (document.contains("shards")) {
        // The bound of `relaylab run --shards` (harness/runner/shard_plan.hpp max_shards).
        scenario.shards = static_cast<unsigned>(
            detail::get_unsigned(document["shards"], root / "shards", 1, 10'000));
    }
    if (document.contains("drain")) scenario.drain = parse_drain(document["drain"], root / "drain");
    if (document.contains("expect"))
        scenario.expect = parse_expect(document["expect"], root / "expect");
    bool senders_given = document.contains("world") && document["world"].is_object() &&
                         document["world"].contains("senders");
    if (!senders_given) scenario.world.senders.push_back(default_sender(scenario.traffic));
    return scenario;
}

Scenario load_scenario(const std::filesystem::path& path) {
    const std::string name = path.string();
    auto whole_file = [&](const std::string& message) -> ScenarioError {
        return ScenarioError(name + ": " + message, "");
    };
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) throw whole_file("no such file");
    if (!std::filesystem::is_regular_file(status)) throw whole_file("not a regular file");
    auto size = std::filesystem::file_size(path, ec);
    if (ec) throw whole_file("cannot read: " + ec.message());
    if (size > max_scenario_file_bytes) {
        throw whole_file(std::to_string(size) + " bytes, more than a scenario needs (limit " +
                         std::to_string(max_scenario_file_bytes) + ")");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw whole_file("cannot open for reading");
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte is 1-based: the character after the last one read well.
        auto at = e.byte > 0 ? e.byte - 1 : 0;
        throw whole_file(line_and_column(text, at) +
                         ": not valid JSON: " + parse_error_reason(e.what()));
    }
    auto base = path.parent_path();
    return parse_scenario(document, name, base.empty() ? std::filesystem::path(".") : base);
}

}  // namespace relaylab::scenario
