#include "harness/runner/run_world.hpp"

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "fake-mx/dns-fixture/core/fault_rules.hpp"
#include "fake-mx/dns-fixture/core/zone.hpp"
#include "fake-mx/dns-fixture/server.hpp"
#include "fake-mx/placement/net/spamd_process.hpp"
#include "fake-mx/receiver/fake_mx.hpp"
#include "harness/log/log.hpp"
#include "harness/relay/config/relay_config_json.hpp"
#include "harness/relay/engine/relay_engine.hpp"
#include "harness/runner/arrival_scan.hpp"
#include "harness/runner/zone_builder.hpp"
#include "probes/auth/dkim_crypto.hpp"

namespace relaylab::runner {

namespace asio = boost::asio;

namespace {

// Where DSNs for the senders' domains land (unless a zone gives the domain an MX of its own).
constexpr const char* bounce_host_name = "bounces.relaylab.test";
constexpr unsigned rsa_bits = 2048;
constexpr int port_attempts = 20;

// A port that is free on every one of `addresses` right now (the fake MX hosts share one:
// the relay's mx_port). Racy by nature; start() retries when a bind fails after all.
std::uint16_t pick_shared_port(const std::vector<std::string>& addresses) {
    asio::io_context io;
    for (int attempt = 0; attempt < port_attempts; ++attempt) {
        asio::ip::tcp::acceptor first(io);
        first.open(asio::ip::tcp::v4());
        first.bind({asio::ip::make_address(addresses.front()), 0});
        std::uint16_t port = first.local_endpoint().port();
        bool free_everywhere = true;
        for (std::size_t i = 1; i < addresses.size() && free_everywhere; ++i) {
            asio::ip::tcp::acceptor probe(io);
            boost::system::error_code ec;
            probe.open(asio::ip::tcp::v4(), ec);
            probe.bind({asio::ip::make_address(addresses[i]), port}, ec);
            if (ec) free_everywhere = false;
        }
        if (free_everywhere) return port;
    }
    throw WorldError("no port free on all fake MX addresses after " +
                     std::to_string(port_attempts) + " attempts");
}

// A key for the run (the scenario named none): RSA 2048, written 0600 into the work folder.
std::filesystem::path generate_key(const std::filesystem::path& dir, const std::string& domain) {
    std::string error;
    auto key = auth::PrivateKey::generate(auth::KeyType::rsa, rsa_bits, error);
    if (!key) throw WorldError("generating a DKIM key for " + domain + ": " + error);
    std::filesystem::create_directories(dir);
    std::filesystem::path path = dir / (domain + ".pem");
    mode_t old_mask = umask(077);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    umask(old_mask);
    file << key->to_pem();
    if (!file.flush()) throw WorldError("cannot write " + path.string());
    return path;
}

std::string read_small_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw WorldError("cannot read " + path.string());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text;
}

}  // namespace

struct RunWorld::Impl {
    const scenario::Scenario& scenario;
    std::filesystem::path work_dir;
    fakemx::ReceiverObserver observer;

    asio::io_context dns_io;
    std::thread dns_thread;
    std::unique_ptr<dns::fixture::FixtureServer> dns_server;
    std::unique_ptr<fakemx::FakeMx> fake_mx;
    std::unique_ptr<relay::RelayEngine> relay;
    std::unique_ptr<placement::SpamdProcess> spamd;
    std::optional<placement::SpamdConfig> spamd_config;
    std::unique_ptr<placement::RecipientSimulator> simulator;
    // Where the traffic goes when the relay is external: its "server" resolved once at start
    // (a Kubernetes Service name, say), so every connection of the run uses the same address.
    std::optional<asio::ip::tcp::endpoint> external_endpoint;

    void resolve_external_relay() {
        if (scenario.relay.kind != scenario::RelayKind::external) return;
        const scenario::ExternalRelay& external = scenario.relay.external;
        boost::system::error_code error;
        auto address = asio::ip::make_address(
            external.host == "localhost" ? "127.0.0.1" : external.host, error);
        if (!error) {
            external_endpoint = asio::ip::tcp::endpoint(address, external.port);
            return;
        }
        // The system's resolver (getaddrinfo: /etc/hosts, cluster DNS), bounded by its own
        // timeouts; the first address, as a client trying one server would.
        asio::io_context io;
        asio::ip::tcp::resolver resolver(io);
        auto results = resolver.resolve(external.host, std::to_string(external.port), error);
        if (error || results.empty())
            throw WorldError("cannot resolve the relay's name " + external.host + ": " +
                             (error ? error.message() : "no address"));
        external_endpoint = results.begin()->endpoint();
    }
    // Read by the fake MX's io threads: set once the simulator runs, cleared before it stops.
    std::atomic<placement::RecipientSimulator*> live_simulator{nullptr};
    bool simulator_stopped = false;       // its truth stays readable after
    std::vector<scenario::MxHost> hosts;  // the scenario's, then the bounce catcher
    std::uint16_t mx_port = 0;
    std::vector<std::pair<std::string, std::filesystem::path>> dkim_keys;  // domain → PEM file
    std::vector<ZoneInputs::Sender> senders;
    bool started = false;

    Impl(const scenario::Scenario& s, std::filesystem::path w, fakemx::ReceiverObserver o)
        : scenario(s), work_dir(std::move(w)), observer(std::move(o)) {}

    // Where clients of the fixture DNS send their queries: its listen address, or loopback
    // when it listens on every address.
    std::string dns_client_address() const {
        const std::string& listen = scenario.world.dns.listen_address;
        return listen == "0.0.0.0" ? "127.0.0.1" : listen;
    }
    void prepare_hosts();
    void prepare_senders();
    void start_dns();
    void start_spamd();
    void start_fake_mx();
    void start_relay();
    void start_recipients();
    void offer_to_recipients(const fakemx::ReceiverEvent& event);
    void stop_recipients();
};

void RunWorld::Impl::start_spamd() {
    if (!scenario.world.spam) return;
    const scenario::SpamWorld& spam = *scenario.world.spam;
    placement::SpamdConfig client;
    client.timeout = spam.timeout;
    if (spam.start) {
        placement::SpamdProcessConfig config;
        config.work_dir = work_dir / "spamd";
        config.address = spam.address;
        config.port = spam.port;
        config.children = spam.children;
        spamd = std::make_unique<placement::SpamdProcess>(std::move(config));
        try {
            spamd->start();
        } catch (const std::exception& e) {
            spamd.reset();
            throw WorldError(std::string("spamd: ") + e.what());
        }
        client.address = spamd->address();
        client.port = spamd->port();
    } else {
        client.address = spam.address;
        client.port = spam.port;
    }
    spamd_config = client;
}

void RunWorld::Impl::start_recipients() {
    if (!scenario.world.recipients) return;
    placement::RecipientSimulatorConfig config;
    config.model = *scenario.world.recipients;
    // The unsubscribe endpoint's certificate comes from the relay's CA when it hosts one; else
    // the run's test CA (what the fake MX and fixture hosts use) is the one to trust.
    bool relay_unsubscribe = relay && scenario.relay.builtin.unsubscribe.has_value();
    config.ca_file = relay_unsubscribe ? relay->unsubscribe_ca_file() : work_dir / "ca" / "ca.pem";
    // A complaint goes back to the host that filed the message, whose provider policy may then
    // defer the domain (421 4.7.28). The fake MX starts before and stops after the simulator.
    if (fakemx::FakeMx* mx = fake_mx.get()) {
        config.on_complaint = [mx](const placement::Complaint& complaint) {
            mx->report_complaint(complaint.host, complaint.from_domain);
        };
    }
    try {
        simulator = std::make_unique<placement::RecipientSimulator>(std::move(config));
        simulator->start();
    } catch (const std::exception& e) {
        simulator.reset();
        throw WorldError(std::string("simulated recipients: ") + e.what());
    }
    live_simulator.store(simulator.get());
}

// On a fake MX io thread: only a copy, and offer() never blocks (a full queue counts a drop).
void RunWorld::Impl::offer_to_recipients(const fakemx::ReceiverEvent& event) {
    placement::RecipientSimulator* target = live_simulator.load();
    if (target == nullptr || event.kind != fakemx::ReceiverEvent::Kind::accepted ||
        event.placement == nullptr || event.mail_from.empty() || event.host == bounce_host_name)
        return;
    placement::Placement where = event.placement->placement;
    if (where != placement::Placement::inbox && where != placement::Placement::spam) return;
    placement::DeliveredMessage message;
    message.message_key = std::string(tracking_id_in_headers(event.content));
    message.provider = std::string(event.placement->provider);
    message.placement = where;
    message.host = event.host;
    message.from_domain = std::string(event.placement->from_domain);
    message.recipients.assign(event.recipients.begin(), event.recipients.end());
    message.content = std::string(event.content);
    target->offer(std::move(message));
}

void RunWorld::Impl::stop_recipients() {
    live_simulator.store(nullptr);
    if (simulator && !simulator_stopped) simulator->stop();
    simulator_stopped = true;
}

void RunWorld::Impl::prepare_hosts() {
    hosts = scenario.world.mx;
    std::set<std::string> used;
    for (const auto& host : hosts)
        used.insert(host.address);
    std::string catcher_address;
    for (int last = 254; last > 1 && catcher_address.empty(); --last) {
        std::string candidate = "127.0.0." + std::to_string(last);
        if (!used.count(candidate)) catcher_address = candidate;
    }
    bool have_catcher = false;
    for (const auto& host : hosts)
        have_catcher |= host.name == bounce_host_name;
    if (!have_catcher) {
        scenario::MxHost catcher;
        catcher.name = bounce_host_name;
        catcher.address = catcher_address;
        catcher.behaviour = fakemx::load_behaviour("accept-all");
        catcher.behaviour_source = "preset accept-all (bounce catcher)";
        hosts.push_back(std::move(catcher));
    }
}

void RunWorld::Impl::prepare_senders() {
    for (const auto& sender : scenario.world.senders) {
        ZoneInputs::Sender zone_sender;
        zone_sender.domain = sender.domain;
        zone_sender.spf = sender.spf;
        zone_sender.dmarc = sender.dmarc;
        if (sender.dkim) {
            std::filesystem::path key_file = sender.dkim->private_key;
            if (key_file.empty()) key_file = generate_key(work_dir / "keys", sender.domain);
            std::string error;
            auto key = auth::PrivateKey::from_text(read_small_file(key_file), error);
            if (!key) throw WorldError(key_file.string() + ": " + error);
            zone_sender.dkim_selector = sender.dkim->selector;
            zone_sender.dkim_record =
                "v=DKIM1; k=" + std::string(auth::key_type_name(key->type())) +
                "; p=" + key->public_key_base64();
            dkim_keys.emplace_back(sender.domain, key_file);
        }
        senders.push_back(std::move(zone_sender));
    }
}

void RunWorld::Impl::start_dns() {
    const scenario::DnsWorld& dns = scenario.world.dns;
    dns::fixture::ZoneSet zones;
    ZoneInputs inputs;
    try {
        for (const auto& file : dns.zone_files) {
            dns::fixture::Zone zone = dns::fixture::load_zone_file(file);
            inputs.user_origins.insert(zone.apex());
            zones.add(std::move(zone));
        }
        for (const auto& inline_zone : dns.zones) {
            dns::fixture::Zone zone =
                dns::fixture::load_zone_text(inline_zone.text, "zone " + inline_zone.origin);
            inputs.user_origins.insert(zone.apex());
            zones.add(std::move(zone));
        }
        for (const auto& host : hosts)
            inputs.hosts.push_back({host.name, host.address, host.domains, host.preference});
        inputs.senders = senders;
        inputs.bounce_host = bounce_host_name;
        for (auto& synthesized : synthesize_zones(inputs))
            zones.add(dns::fixture::load_zone_text(synthesized.text,
                                                   "synthesized zone " + synthesized.origin));
    } catch (const std::exception& e) {
        throw WorldError(std::string("fixture DNS: ") + e.what());
    }
    std::vector<dns::fixture::FaultRule> faults;
    try {
        faults = dns::fixture::parse_fault_rules(dns.faults, "/world/dns/faults");
    } catch (const std::exception& e) {
        throw WorldError(std::string("fixture DNS faults: ") + e.what());
    }
    try {
        dns_server = std::make_unique<dns::fixture::FixtureServer>(
            dns_io.get_executor(), dns::fixture::Fixture(std::move(zones), std::move(faults)),
            dns.listen_address, dns.listen_port);
    } catch (const std::exception& e) {
        throw WorldError("fixture DNS on " + dns.listen_address + ":" +
                         std::to_string(dns.listen_port) + ": " + e.what());
    }
    dns_server->start();
    dns_thread = std::thread([this] {
        auto guard = asio::make_work_guard(dns_io);
        dns_io.run();
    });
}

void RunWorld::Impl::start_fake_mx() {
    std::vector<std::string> addresses;
    for (const auto& host : hosts)
        addresses.push_back(host.address);
    for (int attempt = 0;; ++attempt) {
        mx_port =
            scenario.world.mx_port != 0 ? scenario.world.mx_port : pick_shared_port(addresses);
        fakemx::FakeMxConfig config;
        for (const auto& host : hosts)
            config.hosts.push_back({host.name, host.address, mx_port, host.behaviour});
        // The recorder keeps what a report needs; the store only a recent window (a
        // million-message run must not hold a million captures).
        config.capture.max_messages = 10'000;
        config.capture.memory_limit = 32ull << 20;
        config.capture.max_sessions = 10'000;
        config.capture.session_memory_limit = 16ull << 20;
        config.auth_dns = dns::ResolverConfig::fixture(dns_client_address(), dns_server->port());
        config.tls_ca_dir = (work_dir / "ca").string();
        config.spamd = spamd_config;
        config.observer = [this](const fakemx::ReceiverEvent& event) {
            if (observer) observer(event);
            offer_to_recipients(event);
        };
        try {
            fake_mx = std::make_unique<fakemx::FakeMx>(std::move(config));
            fake_mx->start();
            return;
        } catch (const std::system_error& e) {
            fake_mx.reset();
            if (scenario.world.mx_port != 0 || attempt + 1 >= port_attempts)
                throw WorldError(std::string("fake MX: ") + e.what());
        } catch (const std::exception& e) {
            throw WorldError(std::string("fake MX: ") + e.what());
        }
    }
}

void RunWorld::Impl::start_relay() {
    if (scenario.relay.kind != scenario::RelayKind::builtin) return;
    relay::RelayConfig config = scenario.relay.builtin;
    config.relay_in = relay::ListenerSettings{"127.0.0.1", 0, false};
    config.submission.reset();
    config.spool = work_dir / "spool";
    config.dns = relay::HostPort{dns_client_address(), dns_server->port()};
    config.mx_port = mx_port;
    config.admin.reset();
    // The relay's own account of every attempt, kept with --keep-work for a post-mortem.
    config.event_log = work_dir / "relay-events.jsonl";
    for (const auto& [domain, key_file] : dkim_keys) {
        std::string selector;
        for (const auto& sender : scenario.world.senders)
            if (sender.domain == domain && sender.dkim) selector = sender.dkim->selector;
        config.dkim.push_back({domain, selector, key_file});
    }
    try {
        relay::check_relay_config(config, "scenario relay");
        relay = std::make_unique<relay::RelayEngine>(std::move(config));
        relay->start();
    } catch (const std::exception& e) {
        relay.reset();
        throw WorldError(std::string("builtin relay: ") + e.what());
    }
}

RunWorld::RunWorld(const scenario::Scenario& scenario, std::filesystem::path work_dir,
                   fakemx::ReceiverObserver observer)
    : impl_(std::make_unique<Impl>(scenario, std::move(work_dir), std::move(observer))) {}

RunWorld::~RunWorld() {
    stop();
}

void RunWorld::start() {
    impl_->started = true;
    impl_->resolve_external_relay();
    impl_->prepare_hosts();
    impl_->prepare_senders();
    impl_->start_dns();
    impl_->start_spamd();
    impl_->start_fake_mx();
    impl_->start_relay();
    impl_->start_recipients();
}

void RunWorld::finish_recipients() {
    if (impl_) impl_->stop_recipients();
}

void RunWorld::stop() {
    if (!impl_ || !impl_->started) return;
    impl_->started = false;
    impl_->stop_recipients();
    if (impl_->relay) impl_->relay->stop();
    if (impl_->fake_mx) impl_->fake_mx->stop();
    if (impl_->spamd) impl_->spamd->stop();
    if (impl_->dns_server) impl_->dns_server->stop();
    impl_->dns_io.stop();
    if (impl_->dns_thread.joinable()) impl_->dns_thread.join();
}

asio::ip::tcp::endpoint RunWorld::submission_endpoint() const {
    if (impl_->relay) return {asio::ip::make_address("127.0.0.1"), impl_->relay->relay_in_port()};
    if (!impl_->external_endpoint)
        throw WorldError("the external relay's address is known once the world has started");
    return *impl_->external_endpoint;
}

std::string RunWorld::relay_address() const {
    auto endpoint = submission_endpoint();
    std::string address = endpoint.address().to_string();
    if (endpoint.address().is_v6()) address = "[" + address + "]";
    return address + ":" + std::to_string(endpoint.port());
}

std::optional<std::uint64_t> RunWorld::relay_queue_depth() const {
    if (!impl_->relay) return std::nullopt;
    return impl_->relay->metrics().snapshot().queue_depth;
}

nlohmann::json RunWorld::relay_stats() const {
    if (!impl_->relay) return nullptr;
    relay::RelayMetricsSnapshot metrics = impl_->relay->metrics().snapshot();
    nlohmann::json deliveries = nlohmann::json::object();
    for (std::size_t i = 0; i < relay::delivery_result_count; ++i)
        deliveries[std::string(relay::to_string(static_cast<relay::DeliveryResult>(i)))] =
            metrics.deliveries[i];
    nlohmann::json attempts = nlohmann::json::object();
    for (std::size_t i = 0; i < relay::reply_class_count; ++i)
        attempts[std::string(relay::to_string(static_cast<relay::ReplyClass>(i)))] =
            metrics.attempts[i];
    const relay::EngineCounters& counters = impl_->relay->counters();
    return {{"deliveries", deliveries},
            {"attempts", attempts},
            {"connections", counters.connections.load()},
            {"connection_failures", counters.connection_failures.load()},
            {"dsn_created", counters.dsn_created.load()},
            {"queue_depth", metrics.queue_depth}};
}

nlohmann::json RunWorld::relay_engagement() const {
    if (!impl_->relay) return nullptr;
    return impl_->relay->engagement_stats();
}

const placement::RecipientSimulator* RunWorld::recipients() const {
    return impl_->simulator.get();
}

nlohmann::json RunWorld::describe() const {
    nlohmann::json mx = nlohmann::json::array();
    for (const auto& host : impl_->hosts) {
        mx.push_back({{"name", host.name},
                      {"address", host.address + ":" + std::to_string(impl_->mx_port)},
                      {"behaviour", host.behaviour_source},
                      {"domains", host.domains}});
    }
    return {{"dns", impl_->dns_server ? impl_->dns_server->endpoint() : ""}, {"mx", mx}};
}

}  // namespace relaylab::runner
