// Shared by the scenario parser's tests: a folder holding the files FORMAT.md's full example
// names, and parsing helpers that report the error when one was not expected.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/scenario/scenario_parser.hpp"
#include "tests/lib/temp_dir.hpp"

namespace relaylab::scenario::testing {

inline constexpr const char* example_zone = R"($ORIGIN example.test.
$TTL 300
@    IN SOA ns1 hostmaster 1 3600 600 86400 60
     IN NS  ns1
ns1  IN A   127.0.0.1
)";

// Not a real key: the parser checks only that the file is PEM; the runner reads the key.
inline constexpr const char* example_pem =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";

// FORMAT.md's full example, with a real fault rule where it shows "...".
inline constexpr const char* full_example = R"({
  "name": "greylisting",
  "description": "A receiver that greylists: the relay must retry and deliver everything",
  "seed": 7,
  "world": {
    "dns": {
      "zones": ["zones/example.test.zone"],
      "inline_zones": [{"origin": "gmail.test.", "records": ["@ 300 IN TXT \"hello\""]}],
      "faults": [{"name": "*.flaky.test", "type": "MX", "action": "servfail",
                  "probability": 0.5, "seed": 3}],
      "listen": "127.0.0.1:0"
    },
    "mx_port": 0,
    "mx": [
      {"name": "mx1.gmail.test", "address": "127.0.0.2", "domains": ["gmail.test"],
       "preference": 10, "behaviour": "greylist"}
    ],
    "senders": [
      {"domain": "example.test", "spf": "v=spf1 ip4:127.0.0.0/8 -all",
       "dmarc": "v=DMARC1; p=reject", "dkim": {"selector": "s1", "key": "keys/example.pem"}}
    ]
  },
  "relay": {"kind": "builtin", "settings": {"retry": {"minimal_backoff": "1s"}}},
  "traffic": {
    "from": "news@example.test",
    "to": [{"address": "user{i}@gmail.test", "weight": 3, "pool": 500},
           {"address": "user{n}@outlook.test", "weight": 1}],
    "recipients": "1-3",
    "message": {"subject": "Hello {n}", "body": "text", "size": {"distribution": "lognormal",
                "median": 4096, "sigma": 0.8, "min": 512, "max": 262144},
                "attachments": [{"filename": "a.pdf", "content_type": "application/pdf",
                                 "bytes": 20000}],
                "headers": ["List-Unsubscribe: <mailto:unsub-{n}@example.test>"]},
    "count": 1000,
    "concurrency": 10,
    "rate": 200, "arrivals": "poisson",
    "messages_per_connection": 0,
    "ramp_up": "5s"
  },
  "drain": {"timeout": "60s"},
  "expect": ["totals.lost == 0",
             {"name": "greylisting costs at most 10 s", "check": "latency_ms.end_to_end.p99 < 10000"}]
})";

// A folder with the example's zone and key, where scenario files are written.
struct ExampleFolder {
    relaylab::testing::TempDir dir{"scenario"};
    ExampleFolder() {
        dir.write("zones/example.test.zone", example_zone);
        dir.write("keys/example.pem", example_pem);
    }
    Scenario parse(const nlohmann::json& document) const {
        return parse_scenario(document, "s.json", dir.path);
    }
};

// The ScenarioError a document raises (fails the test when it parses).
inline ScenarioError parse_error(const nlohmann::json& document, const ExampleFolder& folder) {
    try {
        folder.parse(document);
    } catch (const ScenarioError& e) {
        return e;
    }
    FAIL("parsed, but an error was expected: " << document.dump());
    throw std::logic_error("unreachable");
}

}  // namespace relaylab::scenario::testing
