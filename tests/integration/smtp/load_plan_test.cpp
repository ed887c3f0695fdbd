// The LoadPlan's arrival and run-length settings against an in-process sink: Poisson arrivals
// and the ramp-up on the schedule that harness/load/arrival_schedule.hpp computes (latency
// still counted from it), `duration` ending the taking of messages while in-flight ones finish,
// and the closed loop's sessions spread over the ramp-up.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "harness/load/arrival_schedule.hpp"
#include "harness/load/load_generator.hpp"
#include "harness/net/smtp_server.hpp"

using namespace relaylab;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Every run here ends by itself well before this.
constexpr auto run_deadline = 60s;
constexpr std::uint64_t as_many_as_fit = std::numeric_limits<std::uint64_t>::max();

asio::ip::tcp::endpoint loopback(std::uint16_t port) {
    return {asio::ip::address_v4::loopback(), port};
}

net::SmtpServerConfig sink() {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.keep_content = false;
    return config;
}

load::LoadPlan plan_to(std::uint16_t port, std::uint64_t count, std::size_t concurrency) {
    load::LoadPlan plan;
    plan.endpoints = {loopback(port)};
    plan.count = count;
    plan.concurrency = concurrency;
    plan.connection.timeouts.every_phase = 5s;
    return plan;
}

std::shared_ptr<load::MessageFactory> factory() {
    load::MessageTemplate tmpl;
    tmpl.size = 600;
    return std::make_shared<load::TemplateMessageFactory>(tmpl);
}

// What the events said, per message number.
struct Seen {
    std::mutex mutex;
    std::map<std::uint64_t, load::Clock::time_point> intended;
    std::map<std::uint64_t, std::size_t> endpoint;
    std::uint64_t terminal = 0;
    load::EventHandler handler() {
        return [this](const load::MessageEvent& event) {
            std::lock_guard lock(mutex);
            if (event.kind == load::EventKind::submitted) {
                intended[event.number] = event.intended;
                endpoint[event.number] = event.endpoint;
            } else {
                ++terminal;
            }
        };
    }
};

struct Run {
    load::LoadTotals totals;
    load::Clock::time_point started;  // just before start(): the run's start is after it
};

Run run(const load::LoadPlan& plan, Seen& seen) {
    asio::io_context io;
    load::LoadGenerator generator(io.get_executor(), plan, factory(), seen.handler());
    std::optional<load::LoadTotals> totals;
    Run result;
    result.started = load::Clock::now();
    generator.start([&](const load::LoadTotals& final_totals) { totals = final_totals; });
    io.run_for(run_deadline);
    REQUIRE(totals);
    result.totals = *totals;
    return result;
}

double seconds_between(load::Clock::time_point from, load::Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

}  // namespace

TEST_CASE("LoadPlan: Poisson arrivals follow the seeded schedule", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto plan = plan_to(server.port(), 150, 3);
    plan.rate = 500.0;
    plan.poisson = true;
    plan.seed = 2026;
    Seen seen;
    auto totals = run(plan, seen).totals;
    server.stop();
    CHECK(totals.accepted == 150);
    CHECK(totals.latency.count() == 150);
    load::ArrivalPattern pattern{500.0, true, 2026, {}};
    load::ArrivalWalk walk(pattern);
    double first = walk.next().count();
    std::lock_guard lock(seen.mutex);
    REQUIRE(seen.intended.size() == 150);
    bool uneven = false;
    for (std::uint64_t n = 2; n <= 150; ++n) {
        double expected = walk.next().count() - first;
        double got = seconds_between(seen.intended.at(1), seen.intended.at(n));
        INFO("message " << n);
        CHECK(got == Approx(expected).margin(2e-6));
        // Not the constant spacing of 2 ms.
        uneven = uneven || std::abs(got - 0.002 * static_cast<double>(n - 1)) > 0.005;
    }
    CHECK(uneven);
}

TEST_CASE("LoadPlan: open-loop ramp-up delays the early arrivals", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto plan = plan_to(server.port(), 200, 3);
    plan.rate = 400.0;
    plan.ramp_up = 500ms;
    Seen seen;
    auto result = run(plan, seen);
    server.stop();
    CHECK(result.totals.accepted == 200);
    // 200 messages at 400/s take 0.5 s without a ramp; with it, 0.5 + 0.25 s.
    CHECK(result.totals.elapsed_s >= 0.74);
    std::lock_guard lock(seen.mutex);
    REQUIRE(seen.intended.size() == 200);
    for (std::uint64_t n = 1; n <= 200; ++n) {
        double steady = static_cast<double>(n - 1) / 400.0;
        double expected = load::ramped_offset(load::Seconds(steady), 500ms).count();
        INFO("message " << n);
        CHECK(seconds_between(seen.intended.at(1), seen.intended.at(n)) ==
              Approx(expected).margin(2e-6));
    }
    // Message 51 (s = 0.125 s): sqrt(2 * 0.5 * 0.125) = 0.354 s after the start, where a
    // constant rate would have sent it at 0.125 s.
    CHECK(seconds_between(seen.intended.at(1), seen.intended.at(51)) ==
          Approx(0.3536).margin(1e-3));
}

TEST_CASE("LoadPlan: duration stops taking messages; in-flight ones finish",
          "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    bool open_loop = GENERATE(false, true);
    auto plan = plan_to(server.port(), as_many_as_fit, 4);
    plan.duration = 400ms;
    if (open_loop) plan.rate = 250.0;
    Seen seen;
    auto result = run(plan, seen);
    server.stop();
    const load::LoadTotals& totals = result.totals;
    INFO((open_loop ? "open loop" : "closed loop") << ": submitted " << totals.submitted);
    CHECK(totals.finished);
    CHECK_FALSE(totals.cancelled);
    CHECK(totals.submitted > 0);
    CHECK(totals.submitted == totals.accepted + totals.failed);
    CHECK(totals.failed == 0);
    CHECK(server.stats().messages.load() == totals.accepted);
    CHECK(totals.elapsed_s >= 0.39);
    CHECK(totals.elapsed_s < 5.0);
    std::lock_guard lock(seen.mutex);
    CHECK(seen.terminal == totals.submitted);
    // Nothing taken at or after start + 400 ms: the first is taken at the start or after it.
    REQUIRE_FALSE(seen.intended.empty());
    auto [first, last] =
        std::minmax_element(seen.intended.begin(), seen.intended.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; });
    CHECK(last->second - first->second < 400ms);
    if (open_loop) {
        // Arrivals at 0, 4 ms, ..., 396 ms: 100 of them, unless the machine fell so far behind
        // that some due ones were still untaken at the deadline.
        CHECK(totals.submitted <= 100);
        CHECK(totals.submitted >= 80);
        CHECK(seen.intended.rbegin()->first == totals.submitted);
    } else {
        CHECK(totals.submitted > 100);  // a sink takes far more than 250/s in a closed loop
    }
}

TEST_CASE("LoadPlan: duration with a count: whichever comes first", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto plan = plan_to(server.port(), 30, 2);
    plan.duration = 20s;
    Seen seen;
    auto totals = run(plan, seen).totals;
    server.stop();
    CHECK(totals.accepted == 30);
    CHECK(totals.elapsed_s < 10.0);  // the count ended it, not the duration
}

TEST_CASE("LoadPlan: closed-loop ramp-up spreads the sessions' starts", "[integration][load]") {
    // Four sinks and per_slot endpoints: slot i always sends to sink i, so the first message
    // each sink gets tells when its slot started: i * 400 ms / 4.
    std::vector<std::unique_ptr<net::SmtpServer>> servers;
    auto plan = plan_to(0, as_many_as_fit, 4);
    plan.endpoints.clear();
    for (int i = 0; i < 4; ++i) {
        servers.push_back(std::make_unique<net::SmtpServer>(sink()));
        servers.back()->start();
        plan.endpoints.push_back(loopback(servers.back()->port()));
    }
    plan.endpoint_policy = load::EndpointPolicy::per_slot;
    plan.ramp_up = 400ms;
    plan.duration = 600ms;
    Seen seen;
    auto result = run(plan, seen);
    for (auto& server : servers)
        server->stop();
    CHECK(result.totals.failed == 0);
    std::lock_guard lock(seen.mutex);
    std::map<std::size_t, load::Clock::time_point> first_taken;
    for (const auto& [number, intended] : seen.intended) {
        std::size_t endpoint = seen.endpoint.at(number);
        if (!first_taken.count(endpoint) || intended < first_taken[endpoint]) {
            first_taken[endpoint] = intended;
        }
    }
    REQUIRE(first_taken.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        double offset = seconds_between(result.started, first_taken[i]);
        INFO("slot " << i << " first took a message " << offset << " s after start()");
        CHECK(offset >= 0.1 * static_cast<double>(i) - 0.001);  // a timer never fires early
        CHECK(offset < 0.1 * static_cast<double>(i) + 0.15);
        CHECK(result.totals.endpoints[i].accepted > 0);
    }
}

TEST_CASE("LoadPlan: bad durations are refused", "[integration][load]") {
    asio::io_context io;
    auto plan = plan_to(25, 10, 1);
    plan.ramp_up = -1ms;
    CHECK_THROWS_AS(load::LoadGenerator(io.get_executor(), plan, factory()), std::invalid_argument);
    plan.ramp_up = 0ms;
    plan.duration = -5ms;
    CHECK_THROWS_AS(load::LoadGenerator(io.get_executor(), plan, factory()), std::invalid_argument);
}
