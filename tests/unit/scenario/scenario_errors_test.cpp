// Every kind of scenario error names the file and the JSON pointer of the bad value, and says
// what is wrong: the message users see with exit code 2.
#include <fstream>

#include "tests/unit/scenario/scenario_test_support.hpp"

using namespace relaylab::scenario;
using namespace relaylab::scenario::testing;

namespace {

struct Case {
    const char* label;
    const char* document;  // the whole scenario
    const char* pointer;
    const char* says;  // a part of the message after "s.json: <pointer>: "
};

void check_case(const Case& c, const ExampleFolder& folder) {
    INFO(c.label);
    auto error = parse_error(nlohmann::json::parse(c.document), folder);
    CHECK(error.pointer() == c.pointer);
    std::string prefix = std::string("s.json: ") + (*c.pointer ? c.pointer : "/") + ": ";
    CHECK_THAT(error.what(), Catch::StartsWith(prefix));
    CHECK_THAT(error.what(), Catch::Contains(c.says));
}

}  // namespace

#define TRAFFIC R"("traffic": {"from": "a@example.test", "to": "b@gmail.test"})"

TEST_CASE("structure: unknown keys at any depth, wrong types, missing sections") {
    ExampleFolder folder;
    auto c = GENERATE(
        Case{"not an object", R"([])", "", "must be an object"},
        Case{"no traffic", R"({"name": "x"})", "", "needs \"traffic\""},
        Case{"unknown top-level key", R"({"trafic": {}, )" TRAFFIC "}", "/trafic",
             "unknown key (known here: name, description, seed"},
        Case{"unknown key in world.dns", R"({"world": {"dns": {"zone": []}}, )" TRAFFIC "}",
             "/world/dns/zone", "unknown key"},
        Case{"unknown key in an mx host",
             R"({"world": {"mx": [{"name": "m.test", "prefrence": 5}]}, )" TRAFFIC "}",
             "/world/mx/0/prefrence", "unknown key"},
        Case{"unknown key in a size",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "message": {"size":
               {"distribution": "uniform", "min": 1, "max": 2, "median": 2}}}})",
             "/traffic/message/size/median", "unknown key (known here: distribution, min, max)"},
        Case{"name of the wrong type", R"({"name": 5, )" TRAFFIC "}", "/name",
             "must be a string, got 5"},
        Case{"seed negative", R"({"seed": -1, )" TRAFFIC "}", "/seed", "must be a whole number"},
        Case{"world not an object", R"({"world": [], )" TRAFFIC "}", "/world", "must be an object"},
        Case{"mx not an array", R"({"world": {"mx": {}}, )" TRAFFIC "}", "/world/mx",
             "must be an array"},
        Case{"mx_port out of range", R"({"world": {"mx_port": 70000}, )" TRAFFIC "}",
             "/world/mx_port", "not in the range 0 to 65535"},
        Case{"concurrency of the wrong type",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "concurrency": "10"}})",
             "/traffic/concurrency", "must be a whole number from 1 to 10000"},
        Case{"traffic without from", R"({"traffic": {"to": "b@c.test"}})", "/traffic",
             "needs \"from\""},
        Case{"control character in the name", R"({"name": "a\nb", )" TRAFFIC "}", "/name",
             "one line"});
    check_case(c, folder);
}

TEST_CASE("durations and numbers out of range") {
    ExampleFolder folder;
    auto c = GENERATE(
        Case{"bad drain duration", R"({"drain": {"timeout": "5 minutes"}, )" TRAFFIC "}",
             "/drain/timeout", "\"5 minutes\": expected digits followed by ms, s, m, h or d"},
        Case{"drain too long", R"({"drain": {"timeout": "2d"}, )" TRAFFIC "}", "/drain/timeout",
             "is longer than 1d"},
        Case{"ramp_up not a duration",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "ramp_up": true}})",
             "/traffic/ramp_up", "must be a duration"},
        Case{"duration of zero",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "duration": "0s"}})",
             "/traffic/duration", "shorter than 1ms"},
        Case{"ramp_up longer than the run",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "duration": "10s",
                 "ramp_up": "1m"}})",
             "/traffic/ramp_up", "1m is longer than the run's duration (10s)"},
        Case{"count and duration both",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "count": 5,
                 "duration": "10s"}})",
             "/traffic/duration", "\"count\" are both given"},
        Case{"count zero",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "count": 0}})",
             "/traffic/count", "not in the range 1 to 100000000"},
        Case{"rate zero", R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "rate": 0}})",
             "/traffic/rate", "must be more than 0"},
        Case{"arrivals without rate",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "arrivals": "poisson"}})",
             "/traffic/arrivals", "needs \"rate\""},
        Case{"unknown arrivals",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "rate": 5,
                 "arrivals": "bursty"}})",
             "/traffic/arrivals", "\"bursty\" is not one of constant, poisson"},
        Case{"size min above max",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "message": {"size":
               {"distribution": "uniform", "min": 5000, "max": 100}}}})",
             "/traffic/message/size/max", "min (5000) must not be more than max (100)"},
        Case{"size above 64 MiB",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "message": {"size":
               67108865}}})",
             "/traffic/message/size", "not in the range 1 to 67108864"},
        Case{"lognormal median outside min..max",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "message": {"size":
               {"distribution": "lognormal", "median": 100000, "sigma": 1}}}})",
             "/traffic/message/size/median", "outside min to max (1024 to 65536)"},
        Case{"bad recipient count",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "recipients": "3-1"}})",
             "/traffic/recipients", "'3-1': expected MIN-MAX"},
        Case{"weight zero",
             R"({"traffic": {"from": "a@example.test", "to": [{"address": "b@c.test",
                 "weight": 0}]}})",
             "/traffic/to/0/weight", "must be more than 0"},
        Case{"generated header",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "message":
               {"headers": ["X-Relaylab-Id: mine"]}}})",
             "/traffic/message/headers/0", "the generator writes this field itself"},
        Case{"header without a colon",
             R"({"traffic": {"from": "a@example.test", "to": "b@c.test", "message":
               {"headers": ["List-Unsubscribe <mailto:x@y.test>"]}}})",
             "/traffic/message/headers/0", "is not a header field \"Name: value\""});
    check_case(c, folder);
}

TEST_CASE("address templates") {
    ExampleFolder folder;
    auto c = GENERATE(
        Case{"unknown placeholder",
             R"({"traffic": {"from": "a@example.test", "to": "user{x}@c.test"}})", "/traffic/to",
             "unknown placeholder {x}"},
        Case{"unclosed placeholder",
             R"({"traffic": {"from": "a@example.test", "to": "user{n@c.test"}})", "/traffic/to",
             "'{' at 5 is not closed"},
        Case{"{i} without a pool",
             R"({"traffic": {"from": "a@example.test", "to": [{"address": "u{i}@c.test"}]}})",
             "/traffic/to/0/address", "uses {i} but has no pool"},
        Case{"{r} in the sender", R"({"traffic": {"from": "a{r}@example.test", "to": "b@c.test"}})",
             "/traffic/from", "{r} is a recipient's index"},
        Case{"not a mailbox once expanded",
             R"({"traffic": {"from": "a@example.test", "to": "user{n}@c..test"}})", "/traffic/to",
             "is \"user1@c..test\" for message 1: not a valid mailbox"},
        Case{"no domain", R"({"traffic": {"from": "news{n}", "to": "b@c.test"}})", "/traffic/from",
             "not a valid mailbox"},
        Case{"empty list", R"({"traffic": {"from": "a@example.test", "to": []}})", "/traffic/to",
             "must not be empty"},
        Case{"entry without address",
             R"({"traffic": {"from": "a@example.test", "to": [{"weight": 1}]}})", "/traffic/to/0",
             "needs \"address\""});
    check_case(c, folder);
}

TEST_CASE("world: files, zones, behaviours, hosts and senders") {
    ExampleFolder folder;
    folder.dir.write("zones/broken.zone",
                     "$ORIGIN b.test.\n@ IN SOA ns h 1 2 3 4 5\nwww IN A nope\n");
    folder.dir.write("behaviours/bad.json", R"({"rules": [{"phase": "later"}]})");
    folder.dir.write("keys/not-a-key.pem", "hello");
    folder.dir.write("faults-bad.json", R"([{"action": "explode"}])");
    auto c = GENERATE(
        Case{
            "missing zone file",
            R"({"world": {"dns": {"zones": ["zones/example.test.zone", "zones/missing.zone"]}}, )" TRAFFIC
            "}",
            "/world/dns/zones/1", "\"zones/missing.zone\": no such file"},
        Case{"zone file with a bad record names its line",
             R"({"world": {"dns": {"zones": ["zones/broken.zone"]}}, )" TRAFFIC "}",
             "/world/dns/zones/0", "broken.zone:3: "},
        Case{"the same zone twice",
             R"({"world": {"dns": {"zones": ["zones/example.test.zone"], "inline_zones":
               [{"origin": "example.test"}]}}, )" TRAFFIC "}",
             "/world/dns/inline_zones/0/origin",
             "zone example.test. is already given by /world/dns/zones/0"},
        Case{"inline zone record that does not parse",
             R"({"world": {"dns": {"inline_zones": [{"origin": "g.test", "records":
               ["@ TXT \"ok\"", "www A not-an-address"]}]}}, )" TRAFFIC "}",
             "/world/dns/inline_zones/0/records/1", "\"www A not-an-address\": "},
        Case{"inline zone record outside the zone",
             R"({"world": {"dns": {"inline_zones": [{"origin": "g.test", "records":
               ["other.test. A 127.0.0.1"]}]}}, )" TRAFFIC "}",
             "/world/dns/inline_zones/0/records/0", "other.test. A 127.0.0.1"},
        Case{"inline zone record with a line break",
             R"({"world": {"dns": {"inline_zones": [{"origin": "g.test", "records":
               ["@ TXT a\nwww A 127.0.0.1"]}]}}, )" TRAFFIC "}",
             "/world/dns/inline_zones/0/records/0", "one record on one line"},
        Case{"inline zone without origin",
             R"({"world": {"dns": {"inline_zones": [{"records": []}]}}, )" TRAFFIC "}",
             "/world/dns/inline_zones/0", "needs \"origin\""},
        Case{
            "bad fault rule, re-pointed",
            R"({"world": {"dns": {"faults": [{"name": "*", "action": "drop"}, {"action": "explode"}]}}, )" TRAFFIC
            "}",
            "/world/dns/faults/1/action", "unknown action \"explode\""},
        Case{"bad fault file", R"({"world": {"dns": {"faults": "faults-bad.json"}}, )" TRAFFIC "}",
             "/world/dns/faults", "faults-bad.json: /0/action: unknown action"},
        Case{"missing fault file", R"({"world": {"dns": {"faults": "nope.json"}}, )" TRAFFIC "}",
             "/world/dns/faults", "\"nope.json\": no such file"},
        Case{"listen not an address",
             R"({"world": {"dns": {"listen": "localhost:53"}}, )" TRAFFIC "}", "/world/dns/listen",
             "\"localhost:53\": "},
        Case{"unknown preset",
             R"({"world": {"mx": [{"name": "m.test", "behaviour": "greylisting"}]}, )" TRAFFIC "}",
             "/world/mx/0/behaviour", "\"greylisting\" is not a preset (accept-all"},
        Case{
            "bad inline behaviour, re-pointed",
            R"({"world": {"mx": [{"name": "m.test", "behaviour": {"greylist": {"min_retry_s": "x"}}}]}, )" TRAFFIC
            "}",
            "/world/mx/0/behaviour/greylist/min_retry_s", ""},
        Case{
            "inline behaviour with an unknown key",
            R"({"world": {"mx": [{"name": "m.test"}, {"name": "n.test", "behaviour": {"banr": "x"}}]}, )" TRAFFIC
            "}",
            "/world/mx/1/behaviour/banr", "unknown key"},
        Case{
            "bad behaviour file names the file and its pointer",
            R"({"world": {"mx": [{"name": "m.test", "behaviour": "behaviours/bad.json"}]}, )" TRAFFIC
            "}",
            "/world/mx/0/behaviour", "bad.json: /rules/0"},
        Case{
            "missing behaviour file",
            R"({"world": {"mx": [{"name": "m.test", "behaviour": "behaviours/none.json"}]}, )" TRAFFIC
            "}",
            "/world/mx/0/behaviour", "no such file"},
        Case{"host without a name", R"({"world": {"mx": [{"domains": ["a.test"]}]}, )" TRAFFIC "}",
             "/world/mx/0", "needs \"name\""},
        Case{"two hosts with one name",
             R"({"world": {"mx": [{"name": "m.test"}, {"name": "M.test"}]}, )" TRAFFIC "}",
             "/world/mx/1/name", "is already the name of /world/mx/0"},
        Case{"two hosts with one address",
             R"({"world": {"mx": [{"name": "a.test", "address": "127.0.0.9"},
                                  {"name": "b.test", "address": "127.0.0.9"}]}, )" TRAFFIC "}",
             "/world/mx/1/address", "is already the address of /world/mx/0"},
        Case{"address not loopback",
             R"({"world": {"mx": [{"name": "a.test", "address": "10.0.0.1"}]}, )" TRAFFIC "}",
             "/world/mx/0/address", "not an IPv4 loopback address"},
        Case{"address with a leading zero",
             R"({"world": {"mx": [{"name": "a.test", "address": "127.0.0.02"}]}, )" TRAFFIC "}",
             "/world/mx/0/address", "not an IPv4 loopback address"},
        Case{
            "bad domain",
            R"({"world": {"mx": [{"name": "a.test", "domains": ["ok.test", "bad_domain"]}]}, )" TRAFFIC
            "}",
            "/world/mx/0/domains/1", "is not a domain name"},
        Case{"preference out of range",
             R"({"world": {"mx": [{"name": "a.test", "preference": 65536}]}, )" TRAFFIC "}",
             "/world/mx/0/preference", "not in the range 0 to 65535"},
        Case{"sender without domain", R"({"world": {"senders": [{"spf": ""}]}, )" TRAFFIC "}",
             "/world/senders/0", "needs \"domain\""},
        Case{"dkim without selector",
             R"({"world": {"senders": [{"domain": "e.test", "dkim": {}}]}, )" TRAFFIC "}",
             "/world/senders/0/dkim", "needs \"selector\""},
        Case{"missing dkim key",
             R"({"world": {"senders": [{"domain": "e.test", "dkim": {"selector": "s",
                 "key": "keys/none.pem"}}]}, )" TRAFFIC "}",
             "/world/senders/0/dkim/key", "\"keys/none.pem\": no such file"},
        Case{"dkim key that is not PEM",
             R"({"world": {"senders": [{"domain": "e.test", "dkim": {"selector": "s",
                 "key": "keys/not-a-key.pem"}}]}, )" TRAFFIC "}",
             "/world/senders/0/dkim/key", "not a PEM private key"},
        Case{"one sender domain twice",
             R"({"world": {"senders": [{"domain": "e.test"}, {"domain": "E.test"}]}, )" TRAFFIC "}",
             "/world/senders/1/domain", "is already /world/senders/0"});
    check_case(c, folder);
}

TEST_CASE("relay: runner-owned keys, re-pointed settings errors, external relays") {
    ExampleFolder folder;
    auto c = GENERATE(
        Case{"runner-owned listener",
             R"({"relay": {"settings": {"relay_in": "127.0.0.1:2525"}}, )" TRAFFIC "}",
             "/relay/settings/relay_in", "set by the runner"},
        Case{"runner-owned spool", R"({"relay": {"settings": {"spool": "x"}}, )" TRAFFIC "}",
             "/relay/settings/spool", "set by the runner"},
        Case{"runner-owned dkim", R"({"relay": {"settings": {"dkim": []}}, )" TRAFFIC "}",
             "/relay/settings/dkim", "set by the runner from world.senders"},
        Case{"runner-owned mx_port", R"({"relay": {"settings": {"mx_port": 25}}, )" TRAFFIC "}",
             "/relay/settings/mx_port", "set by the runner"},
        Case{"bad relay setting, re-pointed",
             R"({"relay": {"settings": {"retry": {"minimal_backoff": "0s"}}}, )" TRAFFIC "}",
             "/relay/settings/retry/minimal_backoff", "must be at least 1s"},
        Case{"unknown relay setting",
             R"({"relay": {"settings": {"destinatons": {}}}, )" TRAFFIC "}",
             "/relay/settings/destinatons", "unknown key"},
        Case{"unknown relay kind", R"({"relay": {"kind": "postfix"}, )" TRAFFIC "}", "/relay/kind",
             "\"postfix\" is not one of builtin, external"},
        Case{"external keys on the builtin relay",
             R"({"relay": {"server": "127.0.0.1:25"}, )" TRAFFIC "}", "/relay/server",
             "is for \"kind\": \"external\""},
        Case{"external relay without server", R"({"relay": {"kind": "external"}, )" TRAFFIC "}",
             "/relay", "needs \"server\""},
        Case{"external relay with settings",
             R"({"relay": {"kind": "external", "server": "h.test:25", "settings": {}}, )" TRAFFIC
             "}",
             "/relay/settings", "is for the builtin relay"},
        Case{"external relay: bad tls",
             R"({"relay": {"kind": "external", "server": "h.test:25", "tls": "yes"}, )" TRAFFIC "}",
             "/relay/tls", "\"yes\" is not one of none, starttls, implicit"},
        Case{"external relay: password in the clear to another machine",
             R"({"relay": {"kind": "external", "server": "h.test:25",
                 "auth": {"user": "u", "password": "secret"}}, )" TRAFFIC "}",
             "/relay/tls", "in the clear"},
        Case{"external relay: port 0",
             R"({"relay": {"kind": "external", "server": "h.test:0"}, )" TRAFFIC "}",
             "/relay/server", "\"h.test:0\": "});
    check_case(c, folder);
}

TEST_CASE("a password is never shown in an error") {
    ExampleFolder folder;
    auto error = parse_error(nlohmann::json::parse(
                                 R"({"relay": {"kind": "external", "server": "h.test:25",
                                     "auth": {"user": "u", "password": 123456789}}, )" TRAFFIC "}"),
                             folder);
    CHECK(error.pointer() == "/relay/auth/password");
    CHECK_THAT(error.what(), !Catch::Contains("123456789"));
}

TEST_CASE("expectations: errors point at the entry and carry the grammar's reason") {
    ExampleFolder folder;
    auto c = GENERATE(
        Case{"bad expectation string",
             R"({"expect": ["totals.lost == 0", "totals.lost = 0"], )" TRAFFIC "}", "/expect/1",
             "expected a comparison (<, <=, >, >=, ==, !=) after 'totals.lost', got '=' at "
             "column 13"},
        Case{"bad check in an object",
             R"({"expect": [{"name": "n", "check": "total.lost == 0"}], )" TRAFFIC "}",
             "/expect/0/check", "unknown report field 'total'"},
        Case{"object without check", R"({"expect": [{"name": "n"}], )" TRAFFIC "}", "/expect/0",
             "needs \"check\""},
        Case{"not a string", R"({"expect": [5], )" TRAFFIC "}", "/expect/0",
             "must be an expectation"},
        Case{
            "duplicate names",
            R"({"expect": ["totals.lost == 0", {"name": "totals.lost == 0", "check": "totals.lost < 1"}], )" TRAFFIC
            "}",
            "/expect/1/name", "is already the name of /expect/0"},
        Case{"expect not an array", R"({"expect": "totals.lost == 0", )" TRAFFIC "}", "/expect",
             "must be an array"});
    check_case(c, folder);
}

TEST_CASE("load_scenario: missing files, JSON syntax errors with line and column, size") {
    relaylab::testing::TempDir dir("scenario-load");
    SECTION("missing file") {
        auto path = dir.path / "none.json";
        try {
            load_scenario(path);
            FAIL("loaded a missing file");
        } catch (const ScenarioError& e) {
            CHECK(std::string(e.what()) == path.string() + ": no such file");
            CHECK(e.pointer().empty());
        }
    }
    SECTION("syntax error") {
        auto path = dir.write("broken.json", "{\n  \"name\": \"x\",\n  \"traffic\": {,}\n}\n");
        try {
            load_scenario(path);
            FAIL("loaded broken JSON");
        } catch (const ScenarioError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith(path.string() + ": line 3, column 15: not "
                                                                   "valid JSON: "));
            CHECK_THAT(e.what(), !Catch::Contains("json.exception"));
        }
    }
    SECTION("too big") {
        auto path = dir.write("big.json", std::string(max_scenario_file_bytes + 1, ' '));
        CHECK_THROWS_WITH(load_scenario(path), Catch::Contains("more than a scenario needs"));
    }
    SECTION("a folder") {
        CHECK_THROWS_WITH(load_scenario(dir.path), Catch::Contains("not a regular file"));
    }
    SECTION("errors in a file name the file") {
        auto path = dir.write("bad.json", R"({"traffic": {"from": "a@example.test", "to": 5}})");
        try {
            load_scenario(path);
            FAIL("loaded a bad scenario");
        } catch (const ScenarioError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith(path.string() + ": /traffic/to: "));
            CHECK(e.pointer() == "/traffic/to");
        }
    }
}
