// relay.json: the documented example parses to the struct it describes, every error names its
// JSON pointer and what would be right, and to_json gives back what parse_relay_config reads.
#include <catch2/catch.hpp>

#include "harness/relay/config/relay_config_json.hpp"
#include "tests/lib/temp_dir.hpp"

using namespace relaylab::relay;
using relaylab::testing::TempDir;
using std::chrono::seconds;

namespace {

// Every key of the format (relay_config_json.hpp), none at its default.
const char* const full_example = R"({
  "hostname": "Relay.Example.TEST",
  "relay_in": {"listen": "127.0.0.1:2525", "implicit_tls": false},
  "submission": {"listen": "[::1]:0", "implicit_tls": true},
  "tls": {"certificate": "tls/cert.pem", "private_key": "tls/key.pem"},
  "spool": "spool",
  "spool_fsync": false,
  "dns": "127.0.0.1:5353",
  "mx_port": 2526,
  "trusted_networks": ["10.0.0.0/8", "2001:db8::/32"],
  "relay_domains": ["Example.test", ".sub.example.test"],
  "users": [{"name": "alice", "password": "secret-a"}, {"name": "bob", "password": "secret-b"}],
  "auth_failures_per_minute": 3,
  "max_message_size": 1048576,
  "max_connections": 200,
  "admin": "127.0.0.1:8025",
  "event_log": "/var/log/relaylab/events.jsonl",
  "threads": 2,
  "retry": {"minimal_backoff": "1m", "maximal_backoff": "2h", "multiplier": 3, "jitter": 0.1,
            "maximal_queue_lifetime": "2d", "bounce_queue_lifetime": 3600},
  "destinations": {
    "*": {"tls": "encrypt"},
    "Gmail.test": {"tls": "verify", "max_connections": 5, "messages_per_connection": 50,
                   "max_recipients": 10, "max_messages_per_second": 2.5,
                   "max_messages_per_minute": 120, "smarthost": "gw.gmail.test:2525"}
  },
  "smarthost": {"server": "smtp.provider.test:587", "auth": {"name": "relay", "password": "pw"},
                "tls": "encrypt", "implicit_tls": false},
  "dkim": [{"domain": "example.test", "selector": "s2026", "private_key": "keys/s2026.pem"},
           {"domain": "example.test", "selector": "ed", "private_key": "keys/ed.pem"}]
})";

// A directory holding the files the example names.
struct ExampleFiles {
    TempDir dir;
    ExampleFiles() {
        dir.write("tls/cert.pem", "cert");
        dir.write("tls/key.pem", "key");
        dir.write("keys/s2026.pem", "rsa");
        dir.write("keys/ed.pem", "ed25519");
    }
};

RelayConfig parse_text(const std::string& text, const std::filesystem::path& base = {}) {
    return parse_relay_config(nlohmann::json::parse(text), "relay.json", base);
}

}  // namespace

TEST_CASE("the full example parses to the struct it describes", "[config]") {
    ExampleFiles files;
    const auto& base = files.dir.path;
    auto config = parse_text(full_example, base);

    CHECK(config.hostname == "relay.example.test");
    REQUIRE(config.relay_in);
    CHECK(config.relay_in->address == "127.0.0.1");
    CHECK(config.relay_in->port == 2525);
    CHECK_FALSE(config.relay_in->implicit_tls);
    REQUIRE(config.submission);
    CHECK(config.submission->address == "::1");
    CHECK(config.submission->port == 0);
    CHECK(config.submission->implicit_tls);
    REQUIRE(config.tls);
    CHECK(config.tls->certificate == base / "tls/cert.pem");
    CHECK(config.tls->private_key == base / "tls/key.pem");
    CHECK(config.spool == base / "spool");
    CHECK_FALSE(config.spool_fsync);
    REQUIRE(config.dns);
    CHECK(config.dns->host == "127.0.0.1");
    CHECK(config.dns->port == 5353);
    CHECK(config.mx_port == 2526);
    CHECK(config.trusted_networks == std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"});
    CHECK(config.relay_domains == std::vector<std::string>{"example.test", ".sub.example.test"});
    REQUIRE(config.users.size() == 2);
    CHECK(config.users[1].name == "bob");
    CHECK(config.users[1].password == "secret-b");
    CHECK(config.auth_failures_per_minute == 3);
    CHECK(config.max_message_size == 1048576);
    CHECK(config.max_connections == 200);
    REQUIRE(config.admin);
    CHECK(config.admin->port == 8025);
    CHECK(config.event_log == std::filesystem::path("/var/log/relaylab/events.jsonl"));
    CHECK(config.threads == 2);
    CHECK(config.retry.minimal_backoff == seconds(60));
    CHECK(config.retry.maximal_backoff == seconds(7200));
    CHECK(config.retry.multiplier == 3);
    CHECK(config.retry.jitter == Approx(0.1));
    CHECK(config.retry.maximal_queue_lifetime == seconds(2 * 24 * 3600));
    CHECK(config.retry.bounce_queue_lifetime == seconds(3600));
    REQUIRE(config.destinations.size() == 2);
    const auto& gmail = config.destinations.at("gmail.test");  // keys are folded to lower case
    CHECK(gmail.tls == "verify");
    CHECK(gmail.max_connections == 5);
    CHECK(gmail.messages_per_connection == 50);
    CHECK(gmail.max_recipients == 10);
    CHECK(gmail.max_messages_per_second == 2.5);
    CHECK(gmail.max_messages_per_minute == 120);
    REQUIRE(gmail.smarthost);
    CHECK(gmail.smarthost->server.host == "gw.gmail.test");
    CHECK(gmail.smarthost->server.port == 2525);
    CHECK(gmail.smarthost->tls == "may");
    CHECK(config.destinations.at("*").tls == "encrypt");
    CHECK(config.destinations.at("*").max_connections == DestinationPolicy{}.max_connections);
    REQUIRE(config.smarthost);
    CHECK(config.smarthost->server.host == "smtp.provider.test");
    CHECK(config.smarthost->server.port == 587);
    REQUIRE(config.smarthost->auth);
    CHECK(config.smarthost->auth->name == "relay");
    CHECK(config.smarthost->auth->password == "pw");
    CHECK(config.smarthost->tls == "encrypt");
    REQUIRE(config.dkim.size() == 2);
    CHECK(config.dkim[0].domain == "example.test");
    CHECK(config.dkim[0].selector == "s2026");
    CHECK(config.dkim[0].private_key == base / "keys/s2026.pem");
    CHECK(config.dkim[1].selector == "ed");
}

TEST_CASE("a minimal file keeps every default", "[config]") {
    auto config = parse_text(R"({"relay_in": "127.0.0.1:0"})");
    const RelayConfig defaults;
    CHECK(config.relay_in->port == 0);
    CHECK_FALSE(config.submission);
    CHECK(config.hostname == defaults.hostname);
    CHECK(config.trusted_networks == defaults.trusted_networks);
    CHECK(config.mx_port == 25);
    CHECK(config.retry.minimal_backoff == defaults.retry.minimal_backoff);
    CHECK(config.spool == defaults.spool);
    CHECK(to_json(config) == to_json([] {
              RelayConfig c;
              c.relay_in = ListenerSettings{"127.0.0.1", 0, false};
              return c;
          }()));
}

TEST_CASE("destination(): exact domain, else \"*\", else the defaults", "[config]") {
    RelayConfig config;
    config.destinations["gmail.test"].max_connections = 3;
    CHECK(config.destination("other.test").max_connections == DestinationPolicy{}.max_connections);
    config.destinations["*"].max_connections = 7;
    CHECK(config.destination("gmail.test").max_connections == 3);
    CHECK(config.destination("GMail.Test.").max_connections == 3);
    CHECK(config.destination("other.test").max_connections == 7);
    CHECK(config.destination("sub.gmail.test").max_connections == 7);  // exact, not a suffix
}

TEST_CASE("every bad value is refused with its JSON pointer and what would be right", "[config]") {
    ExampleFiles files;
    struct Case {
        const char* label;
        const char* document;
        std::vector<const char*> want;  // substrings of the message
        const char* pointer;
    };
    // Each document is valid but for the one thing its label says.
    auto c = GENERATE(values<Case>({
        {"not an object", R"([1])", {"relay.json: /: must be an object"}, ""},
        {"no listener", R"({})", {"relay.json: /: no listener", "relay_in"}, ""},
        {"unknown top key",
         R"({"relay_in": "127.0.0.1:0", "max_conections": 5})",
         {"relay.json: /max_conections: unknown key", "max_connections"},
         "/max_conections"},
        {"tls level",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"gmail.test": {"tls": "sometimes"}}})",
         {"relay.json: /destinations/gmail.test/tls: \"sometimes\" is not a TLS level (none, may, "
          "encrypt, verify, dane)"},
         "/destinations/gmail.test/tls"},
        {"unknown destination key",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"*": {"rate": 5}}})",
         {"/destinations/*/rate: unknown key", "max_messages_per_second"},
         "/destinations/*/rate"},
        {"destination key not a domain",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"bad domain": {}}})",
         {"/destinations/bad domain: \"bad domain\" is not a domain name"},
         "/destinations/bad domain"},
        {"destination key with a slash escaped",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"a/b": {}}})",
         {"/destinations/a~1b:"},
         "/destinations/a~1b"},
        {"same domain twice",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"a.test": {}, "A.test": {}}})",
         {"names the same domain as another key"},
         "/destinations/a.test"},
        {"zero connections",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"*": {"max_connections": 0}}})",
         {"/destinations/*/max_connections: 0 is not in the range 1 to"},
         "/destinations/*/max_connections"},
        {"zero messages per connection",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"*": {"messages_per_connection": 0}}})",
         {"/destinations/*/messages_per_connection: 0 is not in the range 1"},
         "/destinations/*/messages_per_connection"},
        {"zero recipients",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"*": {"max_recipients": 0}}})",
         {"/destinations/*/max_recipients: 0 is not in the range 1"},
         "/destinations/*/max_recipients"},
        {"negative rate",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"*": {"max_messages_per_second": -1}}})",
         {"/destinations/*/max_messages_per_second: -1 is not in the range 0"},
         "/destinations/*/max_messages_per_second"},
        {"rate as a string",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"*": {"max_messages_per_minute": "5"}}})",
         {"/destinations/*/max_messages_per_minute: must be a number"},
         "/destinations/*/max_messages_per_minute"},
        {"listener without port",
         R"({"relay_in": "127.0.0.1"})",
         {"relay.json: /relay_in: \"127.0.0.1\": no port", "127.0.0.1:2525"},
         "/relay_in"},
        {"listener port too big",
         R"({"relay_in": "127.0.0.1:65536"})",
         {"/relay_in: \"127.0.0.1:65536\": the port must be a number from 0 to 65535"},
         "/relay_in"},
        {"listener with a host name",
         R"({"relay_in": "mail.example.test:25"})",
         {"/relay_in: \"mail.example.test:25\": the host must be an IP address"},
         "/relay_in"},
        {"IPv6 without brackets",
         R"({"relay_in": "::1:25"})",
         {"/relay_in: \"::1:25\": an IPv6 address needs brackets", "[::1]:2525"},
         "/relay_in"},
        {"listener object without listen",
         R"({"submission": {"implicit_tls": true}})",
         {"/submission: needs \"listen\""},
         "/submission"},
        {"listener object bad key",
         R"({"submission": {"listen": "127.0.0.1:0", "tls": true}})",
         {"/submission/tls: unknown key", "implicit_tls"},
         "/submission/tls"},
        {"implicit TLS without a certificate",
         R"({"submission": {"listen": "127.0.0.1:0", "implicit_tls": true}})",
         {"/submission/implicit_tls: true needs a server certificate"},
         "/submission/implicit_tls"},
        {"listener as a number",
         R"({"relay_in": 2525})",
         {"/relay_in: must be \"ADDRESS:PORT\" or an object"},
         "/relay_in"},
        {"remote port 0",
         R"({"relay_in": "127.0.0.1:0", "dns": "127.0.0.1:0"})",
         {"/dns: \"127.0.0.1:0\": the port must be a number from 1 to 65535"},
         "/dns"},
        {"resolver by name",
         R"({"relay_in": "127.0.0.1:0", "dns": "ns.example.test:53"})",
         {"/dns: \"ns.example.test:53\": the host must be an IP address"},
         "/dns"},
        {"mx_port 0",
         R"({"relay_in": "127.0.0.1:0", "mx_port": 0})",
         {"/mx_port: 0 is not in the range 1 to 65535"},
         "/mx_port"},
        {"mx_port as text",
         R"({"relay_in": "127.0.0.1:0", "mx_port": "25"})",
         {"/mx_port: must be a whole number from 1 to 65535, got \"25\""},
         "/mx_port"},
        {"trusted network not CIDR",
         R"({"relay_in": "127.0.0.1:0", "trusted_networks": ["127.0.0.0/8", "10.1.2.3/8"]})",
         {"/trusted_networks/1: \"10.1.2.3/8\" is not an address or a CIDR block",
          "host bits are set"},
         "/trusted_networks/1"},
        {"trusted network prefix",
         R"({"relay_in": "127.0.0.1:0", "trusted_networks": ["::/129"]})",
         {"/trusted_networks/0: \"::/129\"", "0 to 128"},
         "/trusted_networks/0"},
        {"trusted networks as a string",
         R"({"relay_in": "127.0.0.1:0", "trusted_networks": "127.0.0.0/8"})",
         {"/trusted_networks: must be an array of strings"},
         "/trusted_networks"},
        {"relay domain",
         R"({"relay_in": "127.0.0.1:0", "relay_domains": ["ok.test", "x..test"]})",
         {"/relay_domains/1: \"x..test\" is not a domain name"},
         "/relay_domains/1"},
        {"user without password",
         R"({"relay_in": "127.0.0.1:0", "users": [{"name": "a"}]})",
         {"/users/0: needs \"password\""},
         "/users/0"},
        {"user twice",
         R"({"relay_in": "127.0.0.1:0", "users": [{"name": "a", "password": "x"},
             {"name": "a", "password": "y"}]})",
         {"/users/1/name: \"a\" is listed twice"},
         "/users/1/name"},
        {"password not a string",
         R"({"relay_in": "127.0.0.1:0", "users": [{"name": "a", "password": 271828}]})",
         {"/users/0/password: must be a string (the value is not shown"},
         "/users/0/password"},
        {"two listeners on one port",
         R"({"relay_in": "127.0.0.1:2525", "submission": {"listen": "127.0.0.1:2525"}})",
         {"/submission: \"127.0.0.1:2525\" is already the address of /relay_in"},
         "/submission"},
        {"admin on a listener's port",
         R"({"submission": "[::1]:587", "admin": "[::1]:587"})",
         {"/admin: \"[::1]:587\" is already the address of /submission"},
         "/admin"},
        {"empty password",
         R"({"relay_in": "127.0.0.1:0", "users": [{"name": "a", "password": ""}]})",
         {"/users/0/password: must not be empty"},
         "/users/0/password"},
        {"auth failures negative",
         R"({"relay_in": "127.0.0.1:0", "auth_failures_per_minute": -1})",
         {"/auth_failures_per_minute: must be a whole number from 0 to"},
         "/auth_failures_per_minute"},
        {"message size 0",
         R"({"relay_in": "127.0.0.1:0", "max_message_size": 0})",
         {"/max_message_size: 0 is not in the range 1"},
         "/max_message_size"},
        {"threads 0",
         R"({"relay_in": "127.0.0.1:0", "threads": 0})",
         {"/threads: 0 is not in the range 1"},
         "/threads"},
        {"threads fraction",
         R"({"relay_in": "127.0.0.1:0", "threads": 1.5})",
         {"/threads: must be a whole number", "got 1.5"},
         "/threads"},
        {"admin not loopback",
         R"({"relay_in": "127.0.0.1:0", "admin": "0.0.0.0:8025"})",
         {"/admin: \"0.0.0.0:8025\": the admin API has no authentication", "loopback"},
         "/admin"},
        {"spool empty",
         R"({"relay_in": "127.0.0.1:0", "spool": ""})",
         {"/spool: must not be empty"},
         "/spool"},
        {"fsync as text",
         R"({"relay_in": "127.0.0.1:0", "spool_fsync": "yes"})",
         {"/spool_fsync: must be true or false, got \"yes\""},
         "/spool_fsync"},
        {"hostname",
         R"({"relay_in": "127.0.0.1:0", "hostname": "relay_1"})",
         {"/hostname: \"relay_1\" is not a domain name"},
         "/hostname"},
        {"duration unit",
         R"({"relay_in": "127.0.0.1:0", "retry": {"minimal_backoff": "5w"}})",
         {"/retry/minimal_backoff: \"5w\": 'w' is not a unit: use a number of seconds, or",
          "\"5m\""},
         "/retry/minimal_backoff"},
        {"duration negative",
         R"({"relay_in": "127.0.0.1:0", "retry": {"maximal_backoff": -5}})",
         {"/retry/maximal_backoff: -5 is not a duration", "\"300s\""},
         "/retry/maximal_backoff"},
        {"duration without digits",
         R"({"relay_in": "127.0.0.1:0", "retry": {"maximal_backoff": "m"}})",
         {"/retry/maximal_backoff: \"m\": not a duration"},
         "/retry/maximal_backoff"},
        {"duration too long",
         R"({"relay_in": "127.0.0.1:0", "retry": {"maximal_queue_lifetime": "99999999999d"}})",
         {"/retry/maximal_queue_lifetime: \"99999999999d\": longer than the limit of 366d"},
         "/retry/maximal_queue_lifetime"},
        {"zero minimal backoff",
         R"({"relay_in": "127.0.0.1:0", "retry": {"minimal_backoff": 0}})",
         {"/retry/minimal_backoff: must be at least 1s"},
         "/retry/minimal_backoff"},
        {"maximal under minimal",
         R"({"relay_in": "127.0.0.1:0", "retry": {"minimal_backoff": "1h", "maximal_backoff": "5m"}})",
         {"/retry/maximal_backoff: maximal_backoff (5m) must not be shorter than minimal_backoff "
          "(1h)"},
         "/retry/maximal_backoff"},
        {"multiplier under 1",
         R"({"relay_in": "127.0.0.1:0", "retry": {"multiplier": 0.5}})",
         {"/retry/multiplier: 0.5 is not in the range 1.0 to 100.0"},
         "/retry/multiplier"},
        {"jitter 1",
         R"({"relay_in": "127.0.0.1:0", "retry": {"jitter": 1}})",
         {"/retry/jitter: 1 is not in the range 0.0 to 0.9"},
         "/retry/jitter"},
        {"unknown retry key",
         R"({"relay_in": "127.0.0.1:0", "retry": {"max_backoff": 5}})",
         {"/retry/max_backoff: unknown key", "maximal_backoff"},
         "/retry/max_backoff"},
        {"smarthost without port",
         R"({"relay_in": "127.0.0.1:0", "smarthost": "smtp.x.test"})",
         {"/smarthost: \"smtp.x.test\": no port", "HOST:PORT"},
         "/smarthost"},
        {"smarthost port 0",
         R"({"relay_in": "127.0.0.1:0", "smarthost": "smtp.x.test:0"})",
         {"/smarthost: \"smtp.x.test:0\": the port must be a number from 1 to 65535"},
         "/smarthost"},
        {"smarthost object without server",
         R"({"relay_in": "127.0.0.1:0", "smarthost": {"tls": "encrypt"}})",
         {"/smarthost: needs \"server\""},
         "/smarthost"},
        {"smarthost password in clear",
         R"({"relay_in": "127.0.0.1:0", "smarthost": {"server": "s.test:587", "tls": "none",
             "auth": {"name": "a", "password": "b"}}})",
         {"/smarthost/tls: \"none\" would send the AUTH password in the clear"},
         "/smarthost/tls"},
        {"destination smarthost tls",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"x.test": {"smarthost":
             {"server": "s.test:25", "tls": "always"}}}})",
         {"/destinations/x.test/smarthost/tls: \"always\" is not a TLS level"},
         "/destinations/x.test/smarthost/tls"},
        {"dkim key missing",
         R"({"relay_in": "127.0.0.1:0", "dkim": [{"domain": "example.test", "selector": "s1",
             "private_key": "keys/missing.pem"}]})",
         {"/dkim/0/private_key: \"keys/missing.pem\": no such file", "missing.pem)"},
         "/dkim/0/private_key"},
        {"dkim key a directory",
         R"({"relay_in": "127.0.0.1:0", "dkim": [{"domain": "example.test", "selector": "s1",
             "private_key": "keys"}]})",
         {"/dkim/0/private_key: \"keys\": not a regular file"},
         "/dkim/0/private_key"},
        {"dkim selector",
         R"({"relay_in": "127.0.0.1:0", "dkim": [{"domain": "example.test", "selector": "s 1",
             "private_key": "keys/ed.pem"}]})",
         {"/dkim/0/selector: \"s 1\" is not a selector"},
         "/dkim/0/selector"},
        {"dkim without selector",
         R"({"relay_in": "127.0.0.1:0", "dkim": [{"domain": "example.test",
             "private_key": "keys/ed.pem"}]})",
         {"/dkim/0: needs \"selector\""},
         "/dkim/0"},
        {"tls certificate missing",
         R"({"relay_in": "127.0.0.1:0", "tls": {"certificate": "nope.pem",
             "private_key": "tls/key.pem"}})",
         {"/tls/certificate: \"nope.pem\": no such file"},
         "/tls/certificate"},
        {"long value is cut",
         R"({"relay_in": "127.0.0.1:0", "destinations": {"*": {"tls": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}})",
         {"/destinations/*/tls: \"aaaaaaaa", "... is not a TLS level"},
         "/destinations/*/tls"},
    }));
    INFO(c.label);
    try {
        parse_text(c.document, files.dir.path);
        FAIL("accepted, want an error with " << c.want.front());
    } catch (const RelayConfigError& error) {
        std::string message = error.what();
        INFO("got: " << message);
        for (const char* part : c.want)
            CHECK(message.find(part) != std::string::npos);
        CHECK(error.pointer() == c.pointer);
    }
}

TEST_CASE("ephemeral listeners may share an address; a bad password is never echoed", "[config]") {
    auto config = parse_text(
        R"({"relay_in": "127.0.0.1:0", "submission": "127.0.0.1:0", "admin": "127.0.0.1:0"})");
    CHECK(config.relay_in->port == 0);
    CHECK(config.submission->port == 0);
    try {
        parse_text(R"({"relay_in": "127.0.0.1:0", "users": [{"name": "a", "password": 271828}]})");
        FAIL("accepted a number as a password");
    } catch (const RelayConfigError& error) {
        CHECK(std::string(error.what()).find("271828") == std::string::npos);
    }
}

TEST_CASE("to_json round-trips and redacts passwords", "[config]") {
    ExampleFiles files;
    auto config = parse_text(full_example, files.dir.path);
    auto json = to_json(config);
    auto text = json.dump();
    CHECK(text.find("secret-a") == std::string::npos);
    CHECK(text.find("\"pw\"") == std::string::npos);
    CHECK(json["users"][0]["password"] == std::string(redacted_password));
    CHECK(json["smarthost"]["auth"]["password"] == std::string(redacted_password));
    // Readable durations: the shortest exact unit.
    CHECK(json["retry"]["minimal_backoff"] == "1m");
    CHECK(json["retry"]["bounce_queue_lifetime"] == "1h");
    CHECK(json["submission"]["listen"] == "[::1]:0");

    // Paths in the output are already resolved: parsing it again needs no base directory.
    auto again = parse_relay_config(json, "printed");
    CHECK(to_json(again) == json);
    CHECK(again.users[0].password == std::string(redacted_password));
    CHECK(again.destinations.at("gmail.test").max_messages_per_second == 2.5);
    CHECK(again.dkim[1].private_key == config.dkim[1].private_key);
    CHECK(again.retry.jitter == config.retry.jitter);
}

TEST_CASE("load_relay_config reads the file, paths relative to it", "[config]") {
    ExampleFiles files;
    auto path = files.dir.write("relay.json", full_example);
    auto config = load_relay_config(path);
    CHECK(config.dkim[0].private_key == files.dir.path / "keys/s2026.pem");
    CHECK(config.spool == files.dir.path / "spool");

    auto expect_error = [](const std::filesystem::path& file, const std::string& part) {
        try {
            load_relay_config(file);
            FAIL("accepted " << file);
        } catch (const RelayConfigError& error) {
            std::string message = error.what();
            INFO(message);
            CHECK(message.rfind(file.string() + ": ", 0) == 0);  // the file comes first
            CHECK(message.find(part) != std::string::npos);
        }
    };
    expect_error(files.dir.path / "absent.json", "cannot read");
    expect_error(files.dir.write("broken.json", "{\"relay_in\": "), "not valid JSON");
    expect_error(files.dir.write("typo.json", R"({"relay_in": "127.0.0.1:0", "spoll": "x"})"),
                 "/spoll: unknown key");
    // A huge file is refused before it is read (sparse: no disk is used).
    auto huge = files.dir.write("huge.json", "{}");
    std::filesystem::resize_file(huge, limits::max_config_file_bytes + 1);
    expect_error(huge, "more than a relay configuration needs");
}

TEST_CASE("check_relay_config applies the file's rules to a struct built in code", "[config]") {
    RelayConfig config;
    config.relay_in = ListenerSettings{"127.0.0.1", 0, false};
    CHECK_NOTHROW(check_relay_config(config, "flags"));

    auto expect_error = [](const RelayConfig& bad, const std::string& part) {
        try {
            check_relay_config(bad, "flags");
            FAIL("accepted, want " << part);
        } catch (const RelayConfigError& error) {
            INFO(error.what());
            CHECK(std::string(error.what()).find(part) != std::string::npos);
        }
    };
    auto bad = config;
    bad.destinations["x.test"].max_connections = 0;
    expect_error(bad, "flags: /destinations/x.test/max_connections: 0 is not in the range 1");
    bad = config;
    bad.trusted_networks.push_back("10.0.0.1/8");
    expect_error(bad, "flags: /trusted_networks/2: \"10.0.0.1/8\"");
    bad = config;
    bad.relay_in.reset();
    expect_error(bad, "flags: /: no listener");
    bad = config;
    bad.dkim.push_back({"example.test", "s1", "/nonexistent/relaylab/key.pem"});
    expect_error(bad,
                 "flags: /dkim/0/private_key: \"/nonexistent/relaylab/key.pem\": no such file");
    bad = config;
    bad.smarthost = SmarthostRoute{{"smtp.provider.test", 0}};
    expect_error(bad, "flags: /smarthost/server: \"smtp.provider.test:0\": the port must be");
}
