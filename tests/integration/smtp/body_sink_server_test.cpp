// The server shell with a streaming body sink (SmtpServerConfig::body_sink), from raw sockets:
// content arrives in chunks, unstuffed; a connection lost mid-DATA aborts the sink; a sink's
// refusal is the reply; the storage cap holds with SIZE 0 on the in-memory path.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "harness/net/smtp_server.hpp"
#include "harness/smtp/body_sink.hpp"
#include "test_support.hpp"

using namespace relaylab;
using namespace std::chrono_literals;

namespace {

// What the sinks of one server saw, across io threads.
struct SinkLog {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> events;
    std::string content;
    std::size_t chunks = 0;
    std::optional<smtp::Reply> refusal;

    void add(std::string event) {
        std::lock_guard lock(mutex);
        events.push_back(std::move(event));
        changed.notify_all();
    }
    bool wait_for_event(const std::string& event, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, timeout, [&] {
            return std::find(events.begin(), events.end(), event) != events.end();
        });
    }
};

class LoggingSink : public smtp::BodySink {
  public:
    explicit LoggingSink(SinkLog& log) : log_(log) {}
    void begin(const smtp::Envelope& envelope) override {
        log_.add("begin " + envelope.mail_from.address());
    }
    void append(std::string_view chunk) override {
        std::lock_guard lock(log_.mutex);
        log_.content.append(chunk);
        ++log_.chunks;
    }
    std::optional<smtp::Reply> finish(smtp::ReceivedMessage&) override {
        log_.add("finish");
        std::lock_guard lock(log_.mutex);
        return log_.refusal;
    }
    void abort() override { log_.add("abort"); }

  private:
    SinkLog& log_;
};

net::SmtpServerConfig streaming_config(SinkLog& log) {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.hostname = "mx.server.test";
    config.body_sink = [&log](const smtp::ConnectionInfo&) -> std::unique_ptr<smtp::BodySink> {
        return std::make_unique<LoggingSink>(log);
    };
    return config;
}

const std::string envelope =
    "EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@server.test>\r\nDATA\r\n";

}  // namespace

TEST_CASE("a streaming sink gets the content in chunks, unstuffed", "[integration][body]") {
    SinkLog log;
    std::atomic<int> messages{0};
    auto config = streaming_config(log);
    config.on_message = [&](smtp::ReceivedMessage&& message, const net::TlsInfo&) {
        CHECK(message.content.empty());  // it went to the sink
        CHECK(message.size > 300'000);
        ++messages;
    };
    net::SmtpServer server(config);
    server.start();
    std::string expected = "Subject: big\r\n\r\n";
    std::string wire = expected;
    for (int i = 0; i < 5000; ++i) {
        std::string line = (i % 7 == 0 ? "." : "") + std::string(60, 'a' + i % 26) + "\r\n";
        expected += line;
        wire += (line.front() == '.' ? "." : "") + line;
    }
    auto client = test::RawSocket::connect(server.port());
    client.send(envelope);
    CHECK_THAT(client.read_until("354 "), Catch::Contains("354 "));
    client.send(wire + ".\r\nQUIT\r\n");
    CHECK_THAT(client.read_until("221 "), Catch::Contains("250 2.0.0 Ok: queued as"));
    server.stop();
    std::lock_guard lock(log.mutex);
    CHECK(log.events == std::vector<std::string>{"begin a@client.test", "finish"});
    CHECK(log.content == expected);
    CHECK(log.chunks > 1);
    CHECK(messages == 1);
}

TEST_CASE("a connection lost mid-DATA aborts the sink", "[integration][body]") {
    SinkLog log;
    net::SmtpServer server(streaming_config(log));
    server.start();
    {
        auto client = test::RawSocket::connect(server.port());
        client.send(envelope);
        CHECK_THAT(client.read_until("354 "), Catch::Contains("354 "));
        client.send("Subject: cut off\r\n\r\nhalf a mess");
        std::this_thread::sleep_for(50ms);
    }  // closed without the end of data
    CHECK(log.wait_for_event("abort", 5s));
    // An ordinary client is still served, and its message finishes.
    auto next = test::RawSocket::connect(server.port());
    next.send(envelope + "x\r\n.\r\nQUIT\r\n");
    CHECK_THAT(next.read_until("221 "), Catch::Contains("250 2.0.0 Ok: queued as"));
    server.stop();
    std::lock_guard lock(log.mutex);
    CHECK(std::count(log.events.begin(), log.events.end(), "abort") == 1);
    CHECK(std::count(log.events.begin(), log.events.end(), "finish") == 1);
}

TEST_CASE("the sink's refusal is the reply to the data", "[integration][body]") {
    SinkLog log;
    log.refusal = smtp::make_reply(451, "4.3.0", "Error: spool write failed");
    std::atomic<int> messages{0};
    auto config = streaming_config(log);
    config.on_message = [&](smtp::ReceivedMessage&&, const net::TlsInfo&) { ++messages; };
    net::SmtpServer server(config);
    server.start();
    auto client = test::RawSocket::connect(server.port());
    client.send(envelope + "x\r\n.\r\nQUIT\r\n");
    CHECK_THAT(client.read_until("221 "),
               Catch::Contains("451 4.3.0 Error: spool write failed\r\n221 "));
    server.stop();
    CHECK(messages == 0);
}

TEST_CASE("the storage cap bounds the in-memory path with SIZE 0", "[integration][body]") {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.max_message_size = 0;
    config.session.max_stored_size = 10'000;
    std::atomic<int> messages{0};
    std::atomic<std::size_t> largest{0};
    config.on_message = [&](smtp::ReceivedMessage&& message, const net::TlsInfo&) {
        largest = std::max(largest.load(), message.content.size());
        ++messages;
    };
    net::SmtpServer server(config);
    server.start();
    auto client = test::RawSocket::connect(server.port());
    client.send(envelope);
    std::string greeting_and_replies = client.read_until("354 ");
    CHECK_THAT(greeting_and_replies, Catch::Contains("250-SIZE\r\n"));  // no limit advertised
    std::string line(998, 'z');
    for (int i = 0; i < 50; ++i)
        client.send(line + "\r\n");
    client.send(".\r\n" + envelope + "small\r\n.\r\nQUIT\r\n");
    std::string rest = client.read_until("221 ");
    CHECK_THAT(rest, Catch::Contains("552 5.3.4 Error: message file too big\r\n"));
    CHECK_THAT(rest, Catch::Contains("250 2.0.0 Ok: queued as"));
    server.stop();
    CHECK(messages == 1);
    CHECK(largest == 7);
}
