// The load generator against in-process SMTP servers: run_load's totals (what `relaylab send`
// prints), and the LoadGenerator object on a caller's io_context: one submitted and exactly one
// terminal event per message, queue ids joined to the server's, several endpoints and
// recipients, open-loop pacing, cancellation (prompt, nothing left without an event). The
// memory bound is in load_memory_test.cpp, alone in its binary.
#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "harness/load/load_generator.hpp"
#include "harness/net/smtp_server.hpp"

using namespace relaylab;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Every wait in these tests ends: a run that does not finish in this time fails.
constexpr auto run_deadline = 60s;

asio::ip::tcp::endpoint loopback(std::uint16_t port) {
    return {asio::ip::address_v4::loopback(), port};
}

load::LoadPlan plan_to(std::uint16_t port, std::uint64_t count, std::size_t concurrency) {
    load::LoadPlan plan;
    plan.endpoints = {loopback(port)};
    plan.count = count;
    plan.concurrency = concurrency;
    plan.connection.timeouts.every_phase = 5s;
    return plan;
}

std::shared_ptr<load::MessageFactory> factory(std::size_t size = 1024,
                                              load::RecipientCount recipients = {}) {
    load::MessageTemplate tmpl;
    tmpl.size = size;
    tmpl.from = "sender{n}@relaylab.test";
    tmpl.to = "rcpt{n}@example.test";
    tmpl.recipients = recipients;
    return std::make_shared<load::TemplateMessageFactory>(tmpl);
}

net::SmtpServerConfig sink() {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.keep_content = false;
    return config;
}

// Events by message number, checked for the one-submitted-one-terminal rule.
struct EventLog {
    struct Entry {
        int submitted = 0;
        int terminal = 0;
        load::EventKind last = load::EventKind::submitted;
        std::string tracking_id;
        std::string queue_id;
        std::string failure_key;
        std::size_t endpoint = 0;
        std::size_t accepted_recipients = 0;
        load::Clock::time_point intended, started, ended;
    };
    std::mutex mutex;
    std::map<std::uint64_t, Entry> entries;
    std::vector<std::string> order_errors;

    load::EventHandler handler() {
        return [this](const load::MessageEvent& event) {
            std::lock_guard lock(mutex);
            Entry& entry = entries[event.number];
            if (event.kind == load::EventKind::submitted) {
                if (entry.submitted != 0 || entry.terminal != 0) {
                    order_errors.push_back("submitted twice or after the end: " +
                                           std::to_string(event.number));
                }
                ++entry.submitted;
                entry.tracking_id = event.tracking_id;
                entry.intended = event.intended;
            } else {
                if (entry.submitted != 1) {
                    order_errors.push_back("terminal without submitted: " +
                                           std::to_string(event.number));
                }
                ++entry.terminal;
                entry.queue_id = event.queue_id;
                entry.failure_key = event.failure_key;
                entry.accepted_recipients = event.accepted_recipients;
                entry.started = event.started;
                entry.ended = event.ended;
                if (event.tracking_id != entry.tracking_id) {
                    order_errors.push_back("tracking id changed for " +
                                           std::to_string(event.number));
                }
            }
            entry.last = event.kind;
            entry.endpoint = event.endpoint;
        };
    }

    // Every message that was submitted has exactly one terminal event.
    void check_complete() {
        std::lock_guard lock(mutex);
        CHECK(order_errors.empty());
        for (const auto& error : order_errors)
            UNSCOPED_INFO(error);
        for (const auto& [number, entry] : entries) {
            INFO("message " << number);
            CHECK(entry.submitted == 1);
            CHECK(entry.terminal == 1);
        }
    }
    std::size_t count(load::EventKind kind) {
        std::lock_guard lock(mutex);
        return static_cast<std::size_t>(
            std::count_if(entries.begin(), entries.end(),
                          [kind](const auto& e) { return e.second.last == kind; }));
    }
};

// Runs `generator` on `io` until it finishes or the deadline passes; returns the final totals.
load::LoadTotals run_to_end(asio::io_context& io, load::LoadGenerator& generator) {
    std::optional<load::LoadTotals> final_totals;
    generator.start([&](const load::LoadTotals& totals) { final_totals = totals; });
    io.run_for(run_deadline);
    REQUIRE(final_totals);
    REQUIRE(generator.finished());
    return *final_totals;
}

}  // namespace

TEST_CASE("closed loop: every message sent once, connections reused", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto totals = load::run_load(plan_to(server.port(), 300, 4), factory());
    server.stop();
    CHECK(totals.accepted == 300);
    CHECK(totals.submitted == 300);
    CHECK(totals.failed == 0);
    CHECK(totals.failed_by.empty());
    CHECK(totals.connections == 4);
    CHECK(totals.finished);
    CHECK(server.stats().messages.load() == 300);
    CHECK(server.stats().connections.load() == 4);
    CHECK(totals.latency.count() == 300);
    CHECK(totals.latency.summary().p50 > 0);
}

TEST_CASE("--size is the exact size received, headers included", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    std::size_t size = GENERATE(400u, 1024u, 1180u, 70'001u);
    bool chunking = GENERATE(false, true);
    auto plan = plan_to(server.port(), 40, 2);
    plan.connection.session.use_chunking = chunking;
    auto totals = load::run_load(plan, factory(size, load::RecipientCount::fixed(2)));
    server.stop();
    INFO("size " << size << (chunking ? " BDAT" : " DATA"));
    CHECK(totals.accepted == 40);
    CHECK(server.stats().bytes.load() == 40 * size);
}

TEST_CASE("--messages-per-connection opens a new connection after N", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto plan = plan_to(server.port(), 30, 2);
    plan.messages_per_connection = GENERATE(1u, 7u);
    auto totals = load::run_load(plan, factory());
    server.stop();
    CHECK(totals.accepted == 30);
    std::uint64_t expected_connections =
        (30 + plan.messages_per_connection - 1) / plan.messages_per_connection;
    // Two slots share the messages, so each may end with a short connection.
    CHECK(server.stats().connections.load() >= expected_connections);
    CHECK(server.stats().connections.load() <= expected_connections + 1);
}

TEST_CASE("refusals are counted by reply code", "[integration][load]") {
    auto config = sink();
    config.session.max_message_size = 500;  // every 1 KB message is refused at MAIL
    net::SmtpServer server(config);
    server.start();
    auto totals = load::run_load(plan_to(server.port(), 10, 2), factory());
    server.stop();
    CHECK(totals.accepted == 0);
    CHECK(totals.failed == 10);
    CHECK(totals.failed_by["552"] == 10);
    CHECK(totals.failed_after_content == 0);
    CHECK(totals.latency.empty());
}

TEST_CASE("a refusal after the content is a typed failure with the duplicate risk",
          "[integration][load]") {
    // 451 after the final dot: the server saw the whole message, so a retry could duplicate it.
    auto config = sink();
    config.session.decisions = static_cast<unsigned>(smtp::Phase::data_end);
    config.decide = [](net::DecisionContext&) -> asio::awaitable<smtp::Decision> {
        smtp::Decision decision;
        decision.reply = smtp::make_reply(451, "4.3.0", "try again later");
        co_return decision;
    };
    net::SmtpServer server(config);
    server.start();
    std::mutex mutex;
    std::vector<load::MessageEvent> failures;  // copies: the views die with the callback
    std::vector<smtp::Outcome> outcomes;
    auto totals = load::run_load(plan_to(server.port(), 12, 2), factory(), 1,
                                 [&](const load::MessageEvent& event) {
                                     if (event.kind != load::EventKind::failed) return;
                                     std::lock_guard lock(mutex);
                                     failures.push_back(event);
                                     outcomes.push_back(event.outcome);
                                     CHECK(event.failure_key == "451");
                                     CHECK(event.result != nullptr);
                                 });
    server.stop();
    CHECK(totals.failed == 12);
    CHECK(totals.failed_by["451"] == 12);
    CHECK(totals.failed_after_content == 12);
    CHECK(totals.outcomes.size() == 1);
    CHECK(totals.outcomes.begin()->second == 12);
    REQUIRE(outcomes.size() == 12);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        CHECK(outcomes[i].layer == smtp::FailureLayer::reply);
        CHECK(outcomes[i].reply.code == 451);
        CHECK(outcomes[i].reply.enhanced == "4.3.0");
        CHECK(outcomes[i].content_sent);
        CHECK(failures[i].content_sent);
        CHECK(outcomes[i].transient());
    }
}

TEST_CASE("nothing listening: connect failures end the run", "[integration][load]") {
    std::uint16_t port;
    {
        net::SmtpServer server(sink());
        server.start();
        port = server.port();
        server.stop();
    }
    EventLog log;
    auto totals = load::run_load(plan_to(port, 5, 2), factory(), 1, log.handler());
    CHECK(totals.accepted == 0);
    CHECK(totals.failed_by["connect"] == 5);
    CHECK(totals.outcomes["connect"] == 5);
    CHECK(totals.connect_failures >= 5);
    log.check_complete();
    CHECK(log.count(load::EventKind::failed) == 5);
}

TEST_CASE("threads split the run into shards whose totals add up", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    EventLog log;
    auto totals = load::run_load(plan_to(server.port(), 301, 6), factory(), 3, log.handler());
    server.stop();
    CHECK(totals.accepted == 301);
    CHECK(totals.connections == 6);
    CHECK(totals.latency.count() == 301);
    CHECK(server.stats().messages.load() == 301);
    log.check_complete();
    std::lock_guard lock(log.mutex);
    REQUIRE(log.entries.size() == 301);  // numbers 1..301, each once
    CHECK(log.entries.begin()->first == 1);
    CHECK(log.entries.rbegin()->first == 301);
}

TEST_CASE("LoadGenerator: one submitted and one accepted event per message, with the queue id",
          "[integration][load]") {
    auto config = sink();
    config.session.keep_content = true;
    std::mutex received_mutex;
    std::map<std::string, std::string> queue_id_by_tracking_id;  // the server's side
    config.on_message = [&](smtp::ReceivedMessage&& message, const net::TlsInfo&) {
        auto at = message.content.find("X-Relaylab-Id: ");
        REQUIRE(at != std::string::npos);
        auto end = message.content.find("\r\n", at);
        std::lock_guard lock(received_mutex);
        queue_id_by_tracking_id[message.content.substr(at + 15, end - at - 15)] = message.queue_id;
    };
    net::SmtpServer server(config);
    server.start();
    asio::io_context io;
    EventLog log;
    load::LoadGenerator generator(io.get_executor(), plan_to(server.port(), 200, 3), factory(),
                                  log.handler());
    auto totals = run_to_end(io, generator);
    server.stop();
    CHECK(totals.accepted == 200);
    CHECK(totals.in_flight() == 0);
    log.check_complete();
    CHECK(log.count(load::EventKind::accepted) == 200);
    std::lock_guard lock(log.mutex);
    std::lock_guard received_lock(received_mutex);
    REQUIRE(queue_id_by_tracking_id.size() == 200);
    for (const auto& [number, entry] : log.entries) {
        INFO("message " << number);
        CHECK(entry.tracking_id == "run-" + std::to_string(number));
        CHECK_FALSE(entry.queue_id.empty());
        // The runner's join: the id the client saw in the 250 is the server's own.
        CHECK(queue_id_by_tracking_id[entry.tracking_id] == entry.queue_id);
        CHECK(entry.started >= entry.intended);
        CHECK(entry.ended > entry.started);
    }
    CHECK(generator.snapshot().accepted == 200);  // the final totals stay readable
}

TEST_CASE("LoadGenerator: several endpoints each get traffic", "[integration][load]") {
    std::vector<std::unique_ptr<net::SmtpServer>> servers;
    load::LoadPlan plan = plan_to(0, 90, 6);
    plan.endpoints.clear();
    for (int i = 0; i < 3; ++i) {
        servers.push_back(std::make_unique<net::SmtpServer>(sink()));
        servers.back()->start();
        plan.endpoints.push_back(loopback(servers.back()->port()));
    }
    plan.endpoint_policy =
        GENERATE(load::EndpointPolicy::round_robin, load::EndpointPolicy::per_slot);
    plan.messages_per_connection = 5;
    asio::io_context io;
    EventLog log;
    load::LoadGenerator generator(io.get_executor(), plan, factory(), log.handler());
    auto totals = run_to_end(io, generator);
    for (auto& server : servers)
        server->stop();
    CHECK(totals.accepted == 90);
    REQUIRE(totals.endpoints.size() == 3);
    std::uint64_t accepted = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        INFO("endpoint " << i);
        CHECK(servers[i]->stats().messages.load() > 0);
        CHECK(totals.endpoints[i].accepted == servers[i]->stats().messages.load());
        CHECK(totals.endpoints[i].connections == servers[i]->stats().connections.load());
        accepted += totals.endpoints[i].accepted;
    }
    CHECK(accepted == 90);
    log.check_complete();
    std::lock_guard lock(log.mutex);
    std::map<std::size_t, std::uint64_t> by_endpoint;
    for (const auto& [number, entry] : log.entries)
        ++by_endpoint[entry.endpoint];
    for (std::size_t i = 0; i < 3; ++i)
        CHECK(by_endpoint[i] == totals.endpoints[i].accepted);
}

TEST_CASE("LoadGenerator: several recipients per message, fixed or drawn", "[integration][load]") {
    auto config = sink();
    std::atomic<std::uint64_t> envelope_recipients{0};
    config.on_message = [&](smtp::ReceivedMessage&& message, const net::TlsInfo&) {
        envelope_recipients += message.envelope.recipients.size();
    };
    net::SmtpServer server(config);
    server.start();
    auto recipients = GENERATE(as<std::string>{}, "3", "1-4", "1:50,7:50");
    auto count = *load::RecipientCount::parse(recipients);
    std::uint64_t expected = 0;
    for (std::uint64_t n = 1; n <= 60; ++n)
        expected += count.pick(n);
    asio::io_context io;
    EventLog log;
    load::LoadGenerator generator(io.get_executor(), plan_to(server.port(), 60, 3),
                                  factory(1024, count), log.handler());
    auto totals = run_to_end(io, generator);
    server.stop();
    INFO("--recipients " << recipients);
    CHECK(totals.accepted == 60);
    CHECK(totals.recipients_accepted == expected);
    CHECK(envelope_recipients.load() == expected);
    log.check_complete();
    std::lock_guard lock(log.mutex);
    for (const auto& [number, entry] : log.entries)
        CHECK(entry.accepted_recipients == count.pick(number));
}

TEST_CASE("LoadGenerator: open loop keeps the schedule; latency counts from it",
          "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    auto plan = plan_to(server.port(), 60, 3);
    plan.rate = 200.0;  // 60 messages at 200/s: about 0.3 s
    asio::io_context io;
    EventLog log;
    load::LoadGenerator generator(io.get_executor(), plan, factory(), log.handler());
    auto totals = run_to_end(io, generator);
    server.stop();
    CHECK(totals.accepted == 60);
    CHECK(totals.elapsed_s >= 0.29);
    CHECK(totals.elapsed_s < 10.0);
    log.check_complete();
    std::lock_guard lock(log.mutex);
    auto first = log.entries.at(1).intended;
    for (const auto& [number, entry] : log.entries) {
        INFO("message " << number);
        // Scheduled arrivals 5 ms apart, whatever the connections did.
        auto offset = std::chrono::duration_cast<std::chrono::microseconds>(entry.intended - first);
        CHECK(offset.count() == Approx(5000.0 * static_cast<double>(number - 1)).margin(2));
        CHECK(entry.started >= entry.intended);
    }
    // Latency from the intended time: at least what the slowest message waited past it.
    CHECK(totals.latency.max() >= 1);
}

TEST_CASE("LoadGenerator: open loop against a slow server counts the queueing",
          "[integration][load]") {
    // One connection, 100 messages at 1000/s, and a server that takes ~5 ms per message: the
    // backlog grows, and the open loop must report it (no coordinated omission) where a closed
    // loop would report ~5 ms each.
    auto config = sink();
    config.session.decisions = static_cast<unsigned>(smtp::Phase::data_end);
    config.decide = [](net::DecisionContext&) -> asio::awaitable<smtp::Decision> {
        asio::steady_timer timer(co_await asio::this_coro::executor, 5ms);
        co_await timer.async_wait(asio::use_awaitable);
        co_return smtp::Decision{};
    };
    net::SmtpServer server(config);
    server.start();
    auto plan = plan_to(server.port(), 100, 1);
    plan.rate = 1000.0;
    auto totals = load::run_load(plan, factory());
    server.stop();
    CHECK(totals.accepted == 100);
    // The last message arrived at ~99 ms and was done after ~500 ms of service: ~400 ms late.
    CHECK(totals.latency.max() > 200'000);
}

TEST_CASE("LoadGenerator: cancel mid-run stops promptly, every message has its end",
          "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    asio::io_context io;
    EventLog log;
    auto plan = plan_to(server.port(), 10'000'000, 4);
    load::LoadGenerator generator(io.get_executor(), plan, factory(), log.handler());
    asio::steady_timer timer(io, 300ms);
    load::Clock::time_point cancelled_at;
    timer.async_wait([&](boost::system::error_code) {
        cancelled_at = load::Clock::now();
        generator.cancel();
    });
    auto totals = run_to_end(io, generator);
    auto stop_time = load::Clock::now() - cancelled_at;
    server.stop();
    CHECK(stop_time < 2s);
    CHECK(totals.cancelled);
    CHECK(totals.finished);
    CHECK(totals.accepted > 0);
    CHECK(totals.accepted < plan.count);
    CHECK(totals.in_flight() == 0);
    CHECK(totals.submitted == totals.accepted + totals.failed);
    for (const auto& [key, n] : totals.failed_by)
        CHECK(key == "cancelled");
    log.check_complete();
    CHECK(log.entries.size() == totals.submitted);
    CHECK(server.stats().messages.load() == totals.accepted);
}

TEST_CASE("LoadGenerator: cancel cuts connections to a server that stopped answering",
          "[integration][load]") {
    // A tarpit: it greets, then never answers; the client's timeouts are long.
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, loopback(0));
    std::vector<std::shared_ptr<asio::ip::tcp::socket>> held;
    std::function<void()> accept_next = [&] {
        acceptor.async_accept([&](boost::system::error_code ec, asio::ip::tcp::socket socket) {
            if (ec) return;
            auto kept = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
            held.push_back(kept);
            static const std::string greeting = "220 tarpit ESMTP\r\n";
            asio::async_write(*kept, asio::buffer(greeting), [](auto, auto) {});
            accept_next();
        });
    };
    accept_next();
    auto plan = plan_to(acceptor.local_endpoint().port(), 50, 3);
    plan.connection.timeouts.every_phase = 30s;
    plan.cancel_grace = 200ms;
    EventLog log;
    load::LoadGenerator generator(io.get_executor(), plan, factory(), log.handler());
    asio::steady_timer timer(io, 200ms);
    timer.async_wait([&](boost::system::error_code) { generator.cancel(); });
    std::optional<load::LoadTotals> final_totals;
    auto started = load::Clock::now();
    generator.start([&](const load::LoadTotals& totals) {
        final_totals = totals;
        acceptor.close();
        held.clear();
    });
    io.run_for(run_deadline);
    REQUIRE(final_totals);
    CHECK(load::Clock::now() - started < 3s);
    CHECK(final_totals->submitted == 3);  // one held for each connection
    CHECK(final_totals->failed_by["cancelled"] == 3);
    CHECK(final_totals->accepted == 0);
    log.check_complete();
}

TEST_CASE("LoadGenerator: a factory that throws ends one slot, the run still finishes",
          "[integration][load]") {
    struct Flaky : load::MessageFactory {
        load::TemplateMessageFactory inner{load::MessageTemplate{}};
        load::GeneratedMessage make(std::uint64_t n) override {
            if (n == 5) throw std::runtime_error("template broken for message 5");
            return inner.make(n);
        }
    };
    net::SmtpServer server(sink());
    server.start();
    asio::io_context io;
    EventLog log;
    load::LoadGenerator generator(io.get_executor(), plan_to(server.port(), 40, 3),
                                  std::make_shared<Flaky>(), log.handler());
    auto totals = run_to_end(io, generator);
    server.stop();
    log.check_complete();
    CHECK(totals.submitted == totals.accepted + totals.failed);
    CHECK(totals.submitted >= 30);  // the other slots went on
    CHECK(log.entries.count(5) == 0);
    CHECK(server.stats().messages.load() == totals.accepted);
}

TEST_CASE("LoadGenerator: destroyed mid-run, it stops and calls back no more",
          "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    asio::io_context io;
    std::atomic<std::uint64_t> events{0};
    std::atomic<bool> gone{false};
    std::atomic<bool> called_after{false};
    auto plan = plan_to(server.port(), 10'000'000, 4);
    plan.cancel_grace = 200ms;
    auto generator = std::make_unique<load::LoadGenerator>(io.get_executor(), plan, factory(),
                                                           [&](const load::MessageEvent&) {
                                                               if (gone) called_after = true;
                                                               ++events;
                                                           });
    bool done_called = false;
    generator->start([&](const load::LoadTotals&) { done_called = true; });
    asio::steady_timer timer(io, 200ms);
    timer.async_wait([&](boost::system::error_code) {
        gone = true;
        generator.reset();  // on the io thread, while connections are busy
    });
    auto started = load::Clock::now();
    io.run_for(run_deadline);
    server.stop();
    CHECK(io.stopped());  // all of its work ended by itself
    CHECK(load::Clock::now() - started < 5s);
    CHECK(events.load() > 0);
    CHECK_FALSE(called_after.load());
    CHECK_FALSE(done_called);
}

TEST_CASE("LoadGenerator: snapshots grow while it runs", "[integration][load]") {
    net::SmtpServer server(sink());
    server.start();
    asio::io_context io;
    load::LoadGenerator generator(io.get_executor(), plan_to(server.port(), 2000, 2), factory());
    std::vector<load::LoadTotals> seen;
    asio::steady_timer timer(io);
    std::function<void()> sample = [&] {
        seen.push_back(generator.snapshot());
        if (generator.finished()) return;
        timer.expires_after(20ms);
        timer.async_wait([&](boost::system::error_code) { sample(); });
    };
    sample();
    auto totals = run_to_end(io, generator);
    server.stop();
    CHECK(totals.accepted == 2000);
    REQUIRE(seen.size() >= 2);
    for (std::size_t i = 1; i < seen.size(); ++i) {
        CHECK(seen[i].accepted >= seen[i - 1].accepted);
        CHECK(seen[i].latency.count() == seen[i].accepted);
    }
}
