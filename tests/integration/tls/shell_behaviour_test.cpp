// Fake-MX behaviours the server shell carries out for a Decision: a tarpit that drip-feeds its
// reply, a receiver that dies in the middle of DATA, and the on_close notice.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "harness/net/smtp_server.hpp"
#include "test_support.hpp"

using namespace relaylab;
using namespace std::chrono_literals;

namespace {

unsigned mask(std::initializer_list<smtp::Phase> phases) {
    unsigned out = 0;
    for (auto phase : phases)
        out |= static_cast<unsigned>(phase);
    return out;
}

struct Counters {
    std::atomic<int> messages{0};
    std::atomic<int> closes{0};
    std::atomic<int> closes_after_session_gone{0};
    // Session ids whose observer was destroyed: on_close checks its own connection's, since
    // other connections may overlap.
    std::mutex mutex;
    std::set<std::string> observers_gone;
};

// Notes its destruction, so on_close can check the session's observer is already gone.
class LifetimeObserver : public smtp::SessionObserver {
  public:
    LifetimeObserver(Counters& counters, std::string session_id)
        : counters_(counters), session_id_(std::move(session_id)) {}
    ~LifetimeObserver() override {
        std::lock_guard lock(counters_.mutex);
        counters_.observers_gone.insert(session_id_);
    }
    void on_command(std::string_view) override {}
    void on_reply(std::string_view) override {}

  private:
    Counters& counters_;
    std::string session_id_;
};

net::SmtpServerConfig server_config(Counters& counters, unsigned decisions,
                                    std::function<smtp::Decision(smtp::Phase)> decide) {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.hostname = "mx.shell.test";
    config.timeouts.command = 10s;
    config.timeouts.data = 10s;
    config.session.decisions = decisions;
    config.decide =
        [decide](net::DecisionContext& context) -> boost::asio::awaitable<smtp::Decision> {
        co_return decide(context.phase);
    };
    config.on_message = [&counters](smtp::ReceivedMessage&&, const net::TlsInfo&) {
        ++counters.messages;
    };
    config.observe = [&counters](const smtp::ConnectionInfo& info) {
        return std::make_unique<LifetimeObserver>(counters, info.session_id);
    };
    config.on_close = [&counters](const smtp::ConnectionInfo& info) {
        bool gone = false;
        {
            std::lock_guard lock(counters.mutex);
            gone = counters.observers_gone.count(info.session_id) == 1;
        }
        if (gone && !info.session_id.empty()) ++counters.closes_after_session_gone;
        ++counters.closes;
    };
    return config;
}

net::ClientConnectionOptions quick_client() {
    net::ClientConnectionOptions options;
    options.timeouts.every_phase = 5s;
    options.timeouts.connect = 5s;
    return options;
}

// Each recv() that returned data, until `needle` was seen, EOF or the deadline.
std::vector<std::string> reads_until(test::RawSocket& socket, std::string_view needle,
                                     std::chrono::milliseconds timeout = 5s) {
    std::vector<std::string> reads;
    std::string all;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (all.find(needle) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{socket.fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buffer[4096];
        ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
        if (n <= 0) break;
        reads.emplace_back(buffer, static_cast<std::size_t>(n));
        all += reads.back();
    }
    return reads;
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts)
        out += part;
    return out;
}

// on_close runs on the server's thread after the client has seen the close: wait (bounded).
bool eventually(const std::function<bool()>& condition) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

}  // namespace

TEST_CASE("tarpit: the greeting arrives in pieces, complete", "[integration][tarpit]") {
    Counters counters;
    auto config = server_config(counters, mask({smtp::Phase::connect}), [](smtp::Phase) {
        smtp::Decision decision;
        decision.drip_interval = 30ms;
        decision.drip_chunk_bytes = 8;
        return decision;
    });
    // Shorter than the pause between pieces: the watchdog must not count the pauses.
    config.timeouts.write = 20ms;
    net::SmtpServer server(config);
    server.start();
    auto socket = test::RawSocket::connect(server.port());
    auto started = std::chrono::steady_clock::now();
    auto reads = reads_until(socket, "\r\n");
    auto elapsed = std::chrono::steady_clock::now() - started;
    std::string greeting = joined(reads);
    CHECK(greeting == "220 mx.shell.test ESMTP relaylab\r\n");
    // 35 bytes in pieces of 8: five writes, four pauses of 30 ms.
    CHECK(reads.size() >= 3);
    for (const auto& piece : reads)
        CHECK(piece.size() <= 8);
    CHECK(elapsed >= 100ms);
    // The session goes on normally after the tarpit.
    socket.send("QUIT\r\n");
    CHECK_THAT(socket.read_until("\r\n"), Catch::StartsWith("221 "));
    server.stop();
    CHECK(server.stats().timeouts == 0);
}

TEST_CASE("tarpit on every reply: relaylab's client still delivers", "[integration][tarpit]") {
    Counters counters;
    auto config = server_config(
        counters,
        mask({smtp::Phase::connect, smtp::Phase::helo, smtp::Phase::mail, smtp::Phase::rcpt,
              smtp::Phase::data, smtp::Phase::data_end, smtp::Phase::quit}),
        // data_end decided: the 250 after the message drips too (no on_message then).
        [](smtp::Phase) {
            smtp::Decision decision;
            decision.drip_interval = 2ms;
            decision.drip_chunk_bytes = 5;
            return decision;
        });
    net::SmtpServer server(config);
    server.start();
    test::RecordingSource source({test::make_message(1, "Subject: slow\r\n\r\nbody\r\n")});
    auto outcome = test::run_client(server.port(), quick_client(), source);
    CHECK(outcome.clean);
    REQUIRE(source.results.size() == 1);
    CHECK(source.results[0].accepted);
    CHECK(eventually([&] { return counters.closes == 1; }));
    server.stop();
}

TEST_CASE("a stopping server does not wait out a slow tarpit", "[integration][tarpit]") {
    Counters counters;
    auto config = server_config(counters, mask({smtp::Phase::connect}), [](smtp::Phase) {
        smtp::Decision decision;
        decision.drip_interval = 1s;  // 35 bytes would take half a minute
        return decision;
    });
    net::SmtpServer server(config);
    server.start();
    auto socket = test::RawSocket::connect(server.port());
    CHECK(reads_until(socket, "2", 2s).size() == 1);  // the first byte came
    auto started = std::chrono::steady_clock::now();
    server.stop();
    CHECK(std::chrono::steady_clock::now() - started < 1s);  // the pause was cut short
    CHECK(counters.closes == 1);
}

TEST_CASE("drop after N bytes of DATA: closed without a reply, no message", "[integration][drop]") {
    Counters counters;
    const std::uint64_t budget = GENERATE(as<std::uint64_t>{}, 0, 100, 5000);
    INFO("drop_after_bytes " << budget);
    auto config = server_config(counters, mask({smtp::Phase::data}), [budget](smtp::Phase) {
        smtp::Decision decision;
        decision.drop_after_bytes = budget;
        return decision;
    });
    net::SmtpServer server(config);
    server.start();

    SECTION("raw client: the close comes after exactly that many bytes") {
        auto socket = test::RawSocket::connect(server.port());
        socket.read_until("\r\n");
        socket.send("HELO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@mx.test>\r\n");
        CHECK_THAT(socket.read_until("250 2.1.5"), Catch::Contains("250 2.1.5"));
        socket.send("DATA\r\n");
        CHECK_THAT(socket.read_until("\r\n"), Catch::StartsWith("354 "));
        if (budget > 0) {
            // One byte short of the budget: still open.
            socket.send(std::string(budget - 1, 'x'));
            CHECK_FALSE(socket.closed_by_peer(200ms));
        }
        socket.send(std::string(budget == 0 ? 10 : 2, 'y') + "\r\n.\r\n");
        CHECK(socket.closed_by_peer(5s));
        CHECK(socket.read_until("\r\n", 100ms).empty());  // no reply to the message
    }
    SECTION("relaylab's client: the transaction fails as a lost connection") {
        std::string body(20'000, 'z');
        test::RecordingSource source({test::make_message(1, "Subject: big\r\n\r\n" + body)});
        auto outcome = test::run_client(server.port(), quick_client(), source);
        CHECK_FALSE(outcome.clean);
        REQUIRE(source.results.size() == 1);
        CHECK_FALSE(source.results[0].accepted);
        CHECK(source.results[0].data.code == 354);
        CHECK(source.results[0].final.code == 0);  // no reply decided it: the connection did
    }
    CHECK(eventually([&] { return counters.closes == 1; }));
    server.stop();
    CHECK(counters.messages == 0);
    CHECK(server.stats().messages == 0);
}

TEST_CASE("drop budget larger than the message: delivered normally", "[integration][drop]") {
    Counters counters;
    auto config = server_config(counters, mask({smtp::Phase::data}), [](smtp::Phase) {
        smtp::Decision decision;
        decision.drop_after_bytes = 100'000;
        return decision;
    });
    net::SmtpServer server(config);
    server.start();
    std::vector<smtp::OutgoingMessage> messages;
    for (std::uint64_t i = 0; i < 3; ++i)
        messages.push_back(test::make_message(i, "Subject: small\r\n\r\nbody\r\n"));
    test::RecordingSource source(std::move(messages));
    auto outcome = test::run_client(server.port(), quick_client(), source);
    CHECK(outcome.clean);
    CHECK(source.results.size() == 3);
    server.stop();
    CHECK(counters.messages == 3);
}

TEST_CASE("drop with BDAT: closed inside the chunk", "[integration][drop]") {
    Counters counters;
    auto config = server_config(counters, mask({smtp::Phase::data}), [](smtp::Phase) {
        smtp::Decision decision;
        decision.drop_after_bytes = 10;
        return decision;
    });
    net::SmtpServer server(config);
    server.start();
    auto socket = test::RawSocket::connect(server.port());
    socket.read_until("\r\n");
    socket.send("EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@mx.test>\r\n");
    CHECK_THAT(socket.read_until("250 2.1.5"), Catch::Contains("250 2.1.5"));
    socket.send("BDAT 50 LAST\r\n" + std::string(50, 'x'));
    CHECK(socket.closed_by_peer(5s));
    CHECK(socket.read_until("\r\n", 100ms).empty());
    server.stop();
    CHECK(counters.messages == 0);
}

TEST_CASE("on_close: once per connection, after the session, for any ending",
          "[integration][on_close]") {
    Counters counters;
    auto config = server_config(counters, 0, [](smtp::Phase) { return smtp::Decision{}; });
    config.timeouts.command = 200ms;
    net::SmtpServer server(config);
    server.start();
    {
        // QUIT.
        test::RecordingSource source({test::make_message(1, "Subject: x\r\n\r\ny\r\n")});
        CHECK(test::run_client(server.port(), quick_client(), source).clean);
    }
    {
        // The client just goes away.
        auto socket = test::RawSocket::connect(server.port());
        socket.read_until("\r\n");
    }
    {
        // The server times the client out (421 4.4.2).
        auto socket = test::RawSocket::connect(server.port());
        CHECK_THAT(socket.read_until("421", 3s), Catch::Contains("421 4.4.2"));
    }
    CHECK(eventually([&] { return counters.closes == 3; }));
    CHECK(counters.closes_after_session_gone == 3);
    {
        // Still connected when the server stops.
        auto socket = test::RawSocket::connect(server.port());
        socket.read_until("\r\n");
        server.stop();
    }
    CHECK(counters.closes == 4);
    CHECK(counters.closes_after_session_gone == 4);
}
