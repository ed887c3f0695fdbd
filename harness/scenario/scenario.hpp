// A scenario file as data: the world (fixture DNS, fake MX hosts, sender domains), the relay
// under test (the builtin engine or an external relay), the traffic and the expectations.
// README's "Scenario files" section is the user's reference of the JSON format; this model is
// what the parser (scenario_parser.hpp) makes of it and what the runner (harness/runner) builds.
//
// Everything here is already checked: addresses parse, files exist and were read, durations
// and numbers are in range, expectations parse. The runner trusts it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// DnsWorld holds fault rules as a json value: the whole type, not json_fwd.hpp.
#include <nlohmann/json.hpp>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/placement/model/engagement_model.hpp"
#include "harness/load/traffic_model.hpp"
#include "harness/relay/config/relay_config.hpp"
#include "reports/expectation.hpp"

namespace relaylab::scenario {

// A value the runner cannot use; what() reads "<file>: <JSON pointer>: <what is wrong>".
class ScenarioError : public std::runtime_error {
  public:
    ScenarioError(const std::string& message, std::string pointer)
        : std::runtime_error(message), pointer_(std::move(pointer)) {}
    const std::string& pointer() const { return pointer_; }

  private:
    std::string pointer_;
};

// The fixture DNS server of the world.
struct DnsWorld {
    // Zone files (paths resolved against the scenario's folder) and inline zones: the text of
    // a zone file each (`{"origin": "gmail.test.", "records": ["@ MX 10 mx1", ...]}` in JSON,
    // joined into master-file text by the parser, which also adds SOA and NS when missing).
    std::vector<std::filesystem::path> zone_files;
    struct InlineZone {
        std::string origin;  // "gmail.test." (absolute)
        std::string text;    // master-file text, $ORIGIN set
    };
    std::vector<InlineZone> zones;
    // Fault rules in the format of `relaylab dns --faults` (kept as JSON: the fixture parses).
    nlohmann::json faults = nlohmann::json::array();
    // Where the server listens; port 0: ephemeral. An external relay under test needs a fixed
    // one only if it resolves through the fixture.
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 0;
};

// One simulated receiving MTA.
struct MxHost {
    std::string name;     // "mx1.gmail.test": its greeting and the MX target
    std::string address;  // a loopback address of its own ("127.0.0.2"); the parser assigns one
                          // (127.0.0.2, .3, ...) when the file gives none
    // The domains it is an MX for, with the preference: the runner adds "<domain> MX <pref>
    // <name>" and "<name> A <address>" to the fixture unless a zone already has records there.
    std::vector<std::string> domains;
    unsigned preference = 10;
    fakemx::Behaviour behaviour;   // a preset ("greylist"), a file, or inline rules
    std::string behaviour_source;  // "preset greylist", "behaviours/x.json", "inline"
};

// A domain the traffic sends from: the runner publishes its SPF, DKIM key and DMARC policy in
// the fixture and gives the builtin relay its signing key. Its MX is the world's bounce
// catcher (a fake MX that takes everything) unless a zone says otherwise, so DSNs come back
// and are counted.
struct SenderDomain {
    std::string domain;
    std::string spf = "v=spf1 ip4:127.0.0.0/8 -all";  // "" publishes none
    std::string dmarc = "v=DMARC1; p=none";           // "" publishes none
    struct Dkim {
        std::string selector;
        // PEM (RSA or Ed25519); the runner derives p=. Empty: the runner generates an RSA
        // 2048 key for the run in its work folder (no key file to ship or to leak).
        std::filesystem::path private_key;
    };
    std::optional<Dkim> dkim;  // none: unsigned mail
};

// Spam scoring of every captured message by SpamAssassin's spamd (issue 13).
struct SpamWorld {
    // true: the runner starts a private spamd for the run (local rules only, no network
    // tests) and stops it at the end; false: use the one at address:port.
    bool start = true;
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // start: 0 picks a free one
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    unsigned children = 2;  // spamd --max-children when started
};

struct World {
    DnsWorld dns;
    std::vector<MxHost> mx;
    std::vector<SenderDomain> senders;
    // The port every fake MX host listens on (the relay's mx_port): 0 picks one free on all of
    // their addresses. An external relay usually needs a fixed one to route to.
    std::uint16_t mx_port = 0;
    std::optional<SpamWorld> spam;
    // Simulated recipients who open, click and unsubscribe (issue 13); unset: nobody reads.
    std::optional<placement::EngagementModel> recipients;
};

enum class RelayKind { builtin, external };
enum class SubmitTls { none, starttls, implicit };

struct ExternalRelay {
    std::string host = "127.0.0.1";
    std::uint16_t port = 25;
    SubmitTls tls = SubmitTls::none;
    bool verify_certificate = false;
    std::optional<relay::AuthUser> auth;
};

struct RelaySection {
    RelayKind kind = RelayKind::builtin;
    // builtin: the relay.json settings the scenario gives (retry, destinations, ...); the
    // runner sets the listeners, spool, DNS, mx_port and DKIM keys itself.
    relay::RelayConfig builtin;
    ExternalRelay external;
};

struct Drain {
    // After the last submission, wait this long at most for every accepted message to be
    // delivered or bounced; what is still out then is counted lost.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

struct Scenario {
    std::string name;  // "quickstart"; default: the file name without .json
    std::string description;
    std::filesystem::path source;  // the file, or "(embedded quickstart)"
    World world;
    RelaySection relay;
    load::TrafficModel traffic;
    Drain drain;
    std::vector<reports::Expectation> expect;
    // "shards": how many shards a Kubernetes Indexed Job runs it as (JOB_COMPLETION_INDEX
    // selects one); unset, `relaylab run` runs it whole unless told --shard/--shards.
    std::optional<unsigned> shards;
};

}  // namespace relaylab::scenario
