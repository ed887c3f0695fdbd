// The resolver against the fixture server on 127.0.0.1 (ephemeral port, its own io thread):
// typed helpers, every fault action, TCP fallback, several servers, the cache expiring.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake-mx/dns-fixture/server.hpp"
#include "harness/dns/sync_resolver.hpp"
#include "tests/unit/dns/test_zone.hpp"

using namespace relaylab::dns;
using namespace relaylab::dns::fixture;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr auto short_timeout = 300ms;  // loopback answers in well under a millisecond

const char* reverse_zone =
    "$ORIGIN 2.0.192.in-addr.arpa.\n"
    "@ 300 IN SOA ns.fixture.test. hm.fixture.test. 1 2 3 4 30\n"
    "80 300 IN PTR www.fixture.test.\n";

class World {
  public:
    explicit World(const char* rules_json = "[]") {
        ZoneSet zones;
        zones.add(load_zone_text(test::zone_text, "test_zone"));
        zones.add(load_zone_text(reverse_zone, "reverse_zone"));
        server_ = std::make_unique<FixtureServer>(
            io_.get_executor(),
            Fixture(std::move(zones), parse_fault_rules(nlohmann::json::parse(rules_json))),
            "127.0.0.1", 0);
        server_->set_query_log([this](const QueryLogEntry& entry) {
            std::lock_guard lock(mutex_);
            log_.push_back(entry);
        });
        server_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~World() {
        asio::post(io_, [this] {
            server_->stop();
            io_.stop();
        });
        thread_.join();
    }
    ResolverConfig config(int tries = 1) const {
        auto config = ResolverConfig::fixture("127.0.0.1", server_->port());
        config.timeout = short_timeout;
        config.tries = tries;
        return config;
    }
    std::vector<QueryLogEntry> queries_for(const std::string& name) {
        std::lock_guard lock(mutex_);
        std::vector<QueryLogEntry> out;
        for (const auto& e : log_) {
            if (e.name == name) out.push_back(e);
        }
        return out;
    }

  private:
    asio::io_context io_;
    std::unique_ptr<FixtureServer> server_;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<QueryLogEntry> log_;
};

template <class F>
std::chrono::milliseconds timed(F&& f) {
    auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
}

}  // namespace

TEST_CASE("typed helpers over the wire", "[dns][resolver]") {
    World world;
    SyncResolver resolver(world.config());
    CHECK(resolver.a("www.fixture.test").values == std::vector<std::string>{"192.0.2.80"});
    CHECK(resolver.aaaa("v6only.fixture.test").values == std::vector<std::string>{"2001:db8::1"});
    auto txt = resolver.txt("long.fixture.test");
    REQUIRE(txt.values.size() == 1);
    CHECK(txt.values[0] == std::string(250, 'a') + std::string(250, 'b'));
    auto tlsa = resolver.tlsa("_25._tcp.mx-a.fixture.test");
    REQUIRE(tlsa.values.size() == 1);
    CHECK(tlsa.values[0].usage == 3);
    CHECK(resolver.ptr("192.0.2.80").values == std::vector<std::string>{"www.fixture.test"});
    CHECK(resolver.ptr("not-an-ip").status == Status::servfail);
    CHECK(resolver.a("alias.fixture.test").values == std::vector<std::string>{"192.0.2.80"});
}

TEST_CASE("NXDOMAIN, NODATA and REFUSED stay apart", "[dns][resolver]") {
    World world;
    SyncResolver resolver(world.config());
    CHECK(resolver.lookup("missing.fixture.test", RrType::a).status == Status::nxdomain);
    CHECK(resolver.lookup("www.fixture.test", RrType::mx).status == Status::nodata);
    auto refused = resolver.lookup("example.com", RrType::a);
    CHECK(refused.status == Status::refused);  // not servfail: the fixture is not authoritative
    CHECK(refused.rcode == 5);
    CHECK(to_string(refused.status) == "refused");
    auto invalid = resolver.lookup(std::string(64, 'x') + ".test", RrType::a);
    CHECK(invalid.status == Status::servfail);
    CHECK(invalid.detail.find("invalid domain name") != std::string::npos);
}

TEST_CASE("mx(): preference order, null MX, implicit MX", "[dns][resolver]") {
    World world;
    auto config = world.config();
    config.seed = 5;
    SyncResolver resolver(config);
    auto mx = resolver.mx("fixture.test");
    REQUIRE(mx.status == Status::ok);
    REQUIRE(mx.hosts.size() == 3);
    CHECK(mx.hosts[2].exchange == "mx-c.fixture.test");
    CHECK(mx.hosts[0].preference == 10);
    CHECK(resolver.mx("nullmx.fixture.test").null_mx);
    auto implicit = resolver.mx("v6only.fixture.test");
    CHECK(implicit.implicit);
    CHECK(implicit.hosts.at(0).exchange == "v6only.fixture.test");
    CHECK(resolver.mx("missing.fixture.test").status == Status::nxdomain);
    CHECK(resolver.mx("b.c.deep.fixture.test").status == Status::nodata);  // no MX, no address
}

TEST_CASE("fault actions as the resolver sees them", "[dns][resolver]") {
    World world(R"([
        {"name":"sf.fixture.test","action":"servfail"},
        {"name":"rf.fixture.test","action":"refused"},
        {"name":"www.fixture.test","type":"TXT","action":"nxdomain"},
        {"name":"gone.fixture.test","action":"drop"},
        {"name":"slow.fixture.test","action":"delay_ms","delay_ms":150},
        {"name":"slower.fixture.test","action":"delay_ms","delay_ms":1000},
        {"name":"fixture.test","type":"MX","action":"truncate"},
        {"name":"once.fixture.test","action":"servfail","first":1}
    ])");
    SyncResolver resolver(world.config());
    SECTION("servfail") {
        CHECK(resolver.lookup("sf.fixture.test", RrType::a).status == Status::servfail);
    }
    SECTION("refused") {
        auto answer = resolver.lookup("rf.fixture.test", RrType::a);
        CHECK(answer.status == Status::refused);  // apart from servfail
        CHECK(answer.rcode == 5);
    }
    SECTION("nxdomain for a name that exists") {
        CHECK(resolver.lookup("www.fixture.test", RrType::txt).status == Status::nxdomain);
        CHECK(resolver.lookup("www.fixture.test", RrType::a).status == Status::ok);
    }
    SECTION("drop: a timeout after the deadline") {
        Answer answer;
        auto took = timed([&] { answer = resolver.lookup("gone.fixture.test", RrType::a); });
        CHECK(answer.status == Status::timeout);
        CHECK(took >= short_timeout);
        CHECK(took < short_timeout + 1000ms);
        CHECK(resolver.stats().timeouts == 1);
    }
    SECTION("delay below the deadline: the answer, late") {
        Answer answer;
        auto took = timed([&] { answer = resolver.lookup("slow.fixture.test", RrType::a); });
        CHECK(answer.status == Status::nxdomain);
        CHECK(took >= 150ms);
    }
    SECTION("delay beyond the deadline: a timeout") {
        CHECK(resolver.lookup("slower.fixture.test", RrType::a).status == Status::timeout);
    }
    SECTION("truncate: the resolver retries over TCP and gets the answer") {
        auto answer = resolver.lookup("fixture.test", RrType::mx);
        CHECK(answer.status == Status::ok);
        CHECK(answer.records.size() == 3);
        CHECK(answer.truncated_retry);
        CHECK(resolver.stats().tcp_queries == 1);
        auto log = world.queries_for("fixture.test");
        REQUIRE(log.size() == 2);
        CHECK(log[0].transport == "udp");
        CHECK(log[0].truncated);
        CHECK(log[1].transport == "tcp");
    }
    SECTION("first N: a second try gets through") {
        SyncResolver patient(world.config(2));
        auto answer = patient.lookup("once.fixture.test", RrType::a);
        CHECK(answer.status == Status::nxdomain);
        CHECK(world.queries_for("once.fixture.test").size() == 2);
    }
}

TEST_CASE("an answer too big for 512 octets comes over TCP", "[dns][resolver]") {
    World world;
    auto config = world.config();
    config.edns_udp_size = 0;  // plain DNS: 512-octet UDP limit
    SyncResolver resolver(config);
    auto answer = resolver.lookup("long.fixture.test", RrType::txt);
    CHECK(answer.status == Status::ok);
    CHECK(answer.truncated_retry);
}

TEST_CASE("several servers: a silent one is skipped", "[dns][resolver]") {
    World world;
    // A bound socket that never reads: queries to it time out.
    asio::io_context io;
    asio::ip::udp::socket silent(io,
                                 asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto config = world.config();
    config.servers.insert(config.servers.begin(),
                          NameServer{"127.0.0.1", silent.local_endpoint().port()});
    SyncResolver resolver(config);
    auto answer = resolver.lookup("www.fixture.test", RrType::a);
    CHECK(answer.status == Status::ok);
    CHECK(answer.server == config.servers[1].to_string());
    CHECK(resolver.stats().timeouts == 1);
}

TEST_CASE("the cache answers until the TTL runs out", "[dns][resolver]") {
    World world;
    SyncResolver resolver(world.config());
    auto first = resolver.lookup("ttl1.fixture.test", RrType::a);
    REQUIRE(first.status == Status::ok);
    CHECK_FALSE(first.from_cache);
    CHECK(resolver.lookup("TTL1.fixture.test.", RrType::a).from_cache);
    CHECK(world.queries_for("ttl1.fixture.test").size() == 1);
    std::this_thread::sleep_for(1100ms);
    auto later = resolver.lookup("ttl1.fixture.test", RrType::a);
    CHECK_FALSE(later.from_cache);
    CHECK(world.queries_for("ttl1.fixture.test").size() == 2);

    SECTION("negative answers are cached too (RFC 2308)") {
        CHECK(resolver.lookup("missing.fixture.test", RrType::a).status == Status::nxdomain);
        auto again = resolver.lookup("missing.fixture.test", RrType::a);
        CHECK(again.from_cache);
        CHECK(again.status == Status::nxdomain);
        CHECK(world.queries_for("missing.fixture.test").size() == 1);
    }
}

TEST_CASE("a server nobody listens on gives a timeout, not a hang", "[dns][resolver]") {
    asio::io_context io;
    std::uint16_t port = 0;
    {
        asio::ip::udp::socket probe(
            io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = probe.local_endpoint().port();
    }  // closed again: ICMP port unreachable from now on
    auto config = ResolverConfig::fixture("127.0.0.1", port);
    config.timeout = short_timeout;
    config.tries = 1;
    SyncResolver resolver(config);
    Answer answer;
    auto took = timed([&] { answer = resolver.lookup("www.fixture.test", RrType::a); });
    CHECK(answer.status == Status::timeout);
    CHECK(took < short_timeout + 500ms);
}
