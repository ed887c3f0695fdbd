// Every input hostile: each value of the full example replaced by values of every other type and
// by extremes, and each key removed. The parser must either accept the document or throw a
// RelayConfigError whose pointer names a place that exists in the document; never another
// exception, never a crash (ASan runs this in CI).
#include <catch2/catch.hpp>

#include "harness/relay/config/relay_config_json.hpp"
#include "tests/lib/temp_dir.hpp"

using namespace relaylab::relay;
using nlohmann::json;
using relaylab::testing::TempDir;

namespace {

const char* const example = R"({
  "hostname": "relay.example.test",
  "relay_in": {"listen": "127.0.0.1:2525", "implicit_tls": false},
  "submission": "[::1]:0",
  "tls": {"certificate": "cert.pem", "private_key": "key.pem"},
  "spool": "spool", "spool_fsync": true, "dns": "127.0.0.1:5353", "mx_port": 2526,
  "trusted_networks": ["10.0.0.0/8"], "relay_domains": ["example.test", ".sub.example.test"],
  "users": [{"name": "alice", "password": "a"}], "auth_failures_per_minute": 3,
  "max_message_size": 1048576, "max_connections": 200, "admin": "127.0.0.1:8025",
  "event_log": "events.jsonl", "threads": 2,
  "retry": {"minimal_backoff": "1m", "maximal_backoff": "2h", "multiplier": 3, "jitter": 0.1,
            "maximal_queue_lifetime": "2d", "bounce_queue_lifetime": 3600},
  "destinations": {"*": {"tls": "encrypt"},
                   "gmail.test": {"tls": "verify", "max_connections": 5,
                                  "messages_per_connection": 50, "max_recipients": 10,
                                  "max_messages_per_second": 2.5, "max_messages_per_minute": 120,
                                  "smarthost": {"server": "gw.gmail.test:2525", "tls": "encrypt",
                                                "auth": {"name": "u", "password": "p"}}}},
  "smarthost": "smtp.provider.test:587",
  "dkim": [{"domain": "example.test", "selector": "s1", "private_key": "k.pem"}]
})";

std::vector<json> hostile_values() {
    return {
        nullptr,
        true,
        0,
        -1,
        1.5,
        1e308,
        -1e308,
        18446744073709551615ull,
        "",
        "0",
        "x",
        ":",
        "[]:",
        "[::1]:99999999999999999999",
        "1:2:3",
        "/",
        "../../../../etc/passwd",
        std::string(5000, 'a'),
        std::string("\0\xff\xfe", 3),
        json::array(),
        json::array({1, "a", nullptr}),
        json::object(),
        json::object({{"unknown", 1}}),
    };
}

void expect_clean_outcome(const json& document, const std::filesystem::path& base,
                          const std::string& what) {
    INFO(what);
    try {
        parse_relay_config(document, "relay.json", base);
    } catch (const RelayConfigError& error) {
        INFO(error.what());
        CHECK(std::string(error.what()).rfind("relay.json: /", 0) == 0);
        if (!error.pointer().empty()) CHECK(document.contains(json::json_pointer(error.pointer())));
    } catch (const std::exception& other) {
        FAIL("not a RelayConfigError: " << other.what());
    }
}

}  // namespace

TEST_CASE("every value replaced by hostile ones: a clean error or a clean parse", "[hostile]") {
    TempDir dir;
    for (auto name : {"cert.pem", "key.pem", "k.pem"})
        dir.write(name, "pem");
    const json original = json::parse(example);
    REQUIRE_NOTHROW(parse_relay_config(original, "relay.json", dir.path));

    // Every place in the document: leaves and the objects and arrays above them.
    std::vector<std::string> pointers;
    const json flat = original.flatten();  // kept: items() of a temporary would dangle
    for (const auto& item : flat.items()) {
        std::string pointer = item.key();
        while (!pointer.empty()) {
            if (std::find(pointers.begin(), pointers.end(), pointer) == pointers.end())
                pointers.push_back(pointer);
            auto slash = pointer.rfind('/');
            pointer.resize(slash == std::string::npos ? 0 : slash);
        }
    }
    REQUIRE(pointers.size() > 50);

    std::size_t documents = 0;
    for (const auto& pointer : pointers) {
        for (const auto& value : hostile_values()) {
            json document = original;
            document[json::json_pointer(pointer)] = value;
            expect_clean_outcome(
                document, dir.path,
                pointer + " = " +
                    value.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 40));
            ++documents;
        }
        json without = original;
        auto at = json::json_pointer(pointer);
        auto& parent = without[at.parent_pointer()];
        if (parent.is_object()) {
            parent.erase(at.back());
        } else if (parent.is_array()) {
            parent.erase(static_cast<std::size_t>(std::stoul(at.back())));
        }
        expect_clean_outcome(without, dir.path, "without " + pointer);
        ++documents;
    }
    CHECK(documents > 1200);
}
