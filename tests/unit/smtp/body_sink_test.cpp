// The body stream: DATA and BDAT content reaches a BodySink in chunks (decoded: unstuffed, bare
// newlines per policy) with begin / append / finish-or-abort in order, whatever the split of the
// input; the storage cap holds with SIZE 0; a message cut off (timeout, lost connection, RSET,
// refusal) is aborted; a sink may refuse at finish.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "harness/smtp/body_sink.hpp"
#include "harness/smtp/data_decoder.hpp"
#include "tests/unit/smtp/transcript.hpp"

using namespace relaylab::smtp::test;
using namespace std::string_literals;
using relaylab::smtp::BareNewlinePolicy;
using relaylab::smtp::Envelope;
using relaylab::smtp::ReceivedMessage;
using relaylab::smtp::Reply;
using relaylab::smtp::ServerConfig;
using relaylab::smtp::ServerSession;

namespace {

// Records every call; finish may be told to refuse.
class RecordingSink : public relaylab::smtp::BodySink {
  public:
    void begin(const Envelope& envelope) override {
        events.push_back("begin:" + std::to_string(envelope.recipients.size()));
        content.clear();
        largest_chunk = 0;
    }
    void append(std::string_view chunk) override {
        REQUIRE_FALSE(chunk.empty());
        content.append(chunk);
        largest_chunk = std::max(largest_chunk, chunk.size());
        if (events.empty() || events.back() != "append") events.emplace_back("append");
    }
    std::optional<Reply> finish(ReceivedMessage& message) override {
        events.push_back("finish:" + message.queue_id);
        finished.push_back(content);
        return refusal;
    }
    void abort() override { events.emplace_back("abort"); }

    std::vector<std::string> events;
    std::string content;
    std::vector<std::string> finished;
    std::size_t largest_chunk = 0;
    std::optional<Reply> refusal;
};

const std::string envelope = "EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n";

// Feeds `input` in two pieces cut at `cut` (npos: byte by byte) through a Driver with `sink`.
void run_split(const ServerConfig& config, const std::string& input, std::size_t cut,
               RecordingSink& sink) {
    Driver driver(config, "S1", &sink);
    driver.start();
    if (cut == std::string::npos) {
        driver.feed_bytewise(input);
    } else {
        driver.feed(input.substr(0, cut));
        driver.feed(input.substr(cut));
    }
}

// What DataDecoder makes of the same DATA bytes in one piece: the old whole-message result.
std::string decode_whole(BareNewlinePolicy policy, std::string_view data) {
    relaylab::smtp::DataDecoder decoder(policy, 1000, 0, true);
    auto result = decoder.feed(data);
    REQUIRE(result.done);
    return decoder.content();
}

}  // namespace

TEST_CASE("DATA chunks concatenated equal the whole message at every split", "[body]") {
    const std::string data = "Subject: t\r\n\r\n..dot\r\nline\nbare\r\n.\r\n";
    for (auto policy : {BareNewlinePolicy::normalize, BareNewlinePolicy::accept}) {
        ServerConfig config = test_config();
        config.bare_newline = policy;
        const std::string expected = decode_whole(policy, data);
        CHECK(expected.find("\r\n.dot\r\n") != std::string::npos);  // unstuffed
        if (policy == BareNewlinePolicy::normalize)
            CHECK(expected.find("line\r\nbare") != std::string::npos);
        const std::string input = envelope + "DATA\r\n" + data + "QUIT\r\n";
        for (std::size_t cut = 0; cut <= input.size(); ++cut) {
            INFO("policy " << relaylab::smtp::to_string(policy) << ", split at " << cut);
            RecordingSink sink;
            run_split(config, input, cut, sink);
            REQUIRE(sink.finished.size() == 1);
            CHECK(sink.finished[0] == expected);
            CHECK(sink.events.front() == "begin:1");
            CHECK(sink.events.back() == "finish:S1.1");
        }
        RecordingSink bytewise;
        run_split(config, input, std::string::npos, bytewise);
        REQUIRE(bytewise.finished.size() == 1);
        CHECK(bytewise.finished[0] == expected);
    }
}

TEST_CASE("without a sink the message content is built on the same chunks", "[body]") {
    const std::string data = "a\r\n..b\r\nc\r\n.\r\n";
    Driver driver;
    driver.start();
    driver.feed_bytewise(envelope + "DATA\r\n" + data);
    REQUIRE(driver.messages.size() == 1);
    CHECK(driver.messages[0].content == "a\r\n.b\r\nc\r\n");
    CHECK(driver.messages[0].size == driver.messages[0].content.size());
}

TEST_CASE("BDAT chunks reach the sink as they come, at every split", "[body]") {
    const std::string input =
        envelope + "BDAT 5\r\n.a\r\nbBDAT 0\r\nBDAT 4 LAST\r\n\r\n.\nQUIT\r\n";
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        INFO("split at " << cut);
        RecordingSink sink;
        run_split(test_config(), input, cut, sink);
        REQUIRE(sink.finished.size() == 1);
        // BDAT content is taken as it is: no unstuffing, no end-of-data search (RFC 3030 2).
        CHECK(sink.finished[0] == ".a\r\nb\r\n.\n");
        CHECK(sink.events == std::vector<std::string>{"begin:1", "append", "finish:S1.1"});
    }
}

TEST_CASE("chunks stay bounded for a large message fed at once", "[body]") {
    std::string body;
    for (int i = 0; i < 20000; ++i)
        body += "0123456789012345678901234567890123456789012345678901234567890123456789\r\n";
    RecordingSink sink;
    ServerConfig config = test_config();
    config.max_message_size = 0;
    Driver driver(config, "S1", &sink);
    driver.start();
    driver.feed(envelope + "DATA\r\n" + body + ".\r\n");
    REQUIRE(sink.finished.size() == 1);
    CHECK(sink.finished[0] == body);
    CHECK(sink.largest_chunk <= 2 * relaylab::smtp::limits::body_chunk);
    CHECK(sink.largest_chunk < body.size());
}

TEST_CASE("the storage cap holds with SIZE 0: 552 5.3.4 after the data", "[body]") {
    ServerConfig config = test_config();
    config.max_message_size = 0;  // SIZE advertised without a limit
    config.max_stored_size = 100;
    const std::string big(300, 'x');
    SECTION("DATA") {
        for (std::size_t cut :
             {std::size_t{0}, std::size_t{60}, std::size_t{150}, std::string::npos}) {
            INFO("split at " << cut);
            RecordingSink sink;
            Driver driver(config, "S1", &sink);
            driver.start();
            std::string head = envelope + "DATA\r\n";
            std::string out = driver.feed(head);
            std::string rest = big + "\r\n.\r\nNOOP\r\n";
            if (cut == std::string::npos) {
                out += driver.feed_bytewise(rest);
            } else {
                out += driver.feed(rest.substr(0, cut));
                out += driver.feed(rest.substr(cut));
            }
            CHECK(out.ends_with("552 5.3.4 Error: message file too big\r\n" + ok));
            CHECK(sink.content.size() <= 100);
            CHECK(sink.finished.empty());
            CHECK(sink.events.back() == "abort");
            CHECK(driver.messages.empty());
        }
    }
    SECTION("BDAT") {
        RecordingSink sink;
        Driver driver(config, "S1", &sink);
        driver.start();
        std::string out = driver.feed(envelope + "BDAT 80\r\n" + std::string(80, 'y') +
                                      "BDAT 80 LAST\r\n" + std::string(80, 'z') + "NOOP\r\n");
        CHECK(
            out.ends_with("250 2.0.0 Ok: 80 octets received\r\n"
                          "552 5.3.4 Error: message file too big\r\n" +
                          ok));
        CHECK(sink.content == std::string(80, 'y'));
        CHECK(sink.events == std::vector<std::string>{"begin:1", "append", "abort"});
    }
    SECTION("the in-memory path is bounded by the same cap") {
        Driver driver(config);
        driver.start();
        std::string out = driver.feed(envelope + "DATA\r\n" + big + "\r\n.\r\n");
        CHECK(out.ends_with("552 5.3.4 Error: message file too big\r\n"));
        CHECK(driver.messages.empty());
        CHECK(driver.memory.finish(driver.session.message()) == std::nullopt);
        CHECK(driver.session.message().content.empty());
    }
    SECTION("under the cap the message passes") {
        RecordingSink sink;
        Driver driver(config, "S1", &sink);
        driver.start();
        driver.feed(envelope + "DATA\r\n" + std::string(90, 'x') + "\r\n.\r\n");
        REQUIRE(sink.finished.size() == 1);
        CHECK(sink.finished[0].size() == 92);
    }
}

TEST_CASE("a message cut off mid-DATA is aborted at the sink", "[body]") {
    SECTION("the connection is lost: the shell's pump goes away") {
        RecordingSink sink;
        {
            Driver driver(test_config(), "S1", &sink);
            driver.start();
            driver.feed(envelope + "DATA\r\nSubject: half\r\n");
            CHECK(sink.events == std::vector<std::string>{"begin:1", "append"});
        }
        CHECK(sink.events.back() == "abort");
        CHECK(sink.finished.empty());
    }
    SECTION("timeout") {
        RecordingSink sink;
        Driver driver(test_config(), "S1", &sink);
        driver.start();
        driver.feed(envelope + "DATA\r\npart");
        driver.session.timed_out();
        driver.feed("");  // drains the actions
        while (auto action = driver.session.poll())
            driver.pump.handle(driver.session, *action);
        CHECK(sink.events.back() == "abort");
    }
    SECTION("RSET between BDAT chunks") {
        RecordingSink sink;
        Driver driver(test_config(), "S1", &sink);
        driver.start();
        std::string out = driver.feed(envelope + "BDAT 3\r\nabcRSET\r\n");
        CHECK(out.ends_with(ok));
        CHECK(sink.events == std::vector<std::string>{"begin:1", "append", "abort"});
    }
    SECTION("bare LF refused at the end of data") {
        RecordingSink sink;
        Driver driver(test_config(), "S1", &sink);  // policy reject
        driver.start();
        std::string out = driver.feed(envelope + "DATA\r\na\nb\r\n.\r\n");
        CHECK(out.ends_with("550 5.5.2 Error: bare <LF> or <CR> received in message data\r\n"));
        CHECK(sink.events.back() == "abort");
        CHECK(sink.finished.empty());
    }
}

TEST_CASE("the sink decides at finish, and a later refusal aborts", "[body]") {
    SECTION("the sink refuses: its reply, no abort, the transaction is over") {
        RecordingSink sink;
        sink.refusal = relaylab::smtp::make_reply(451, "4.3.0", "Error: spool write failed");
        Driver driver(test_config(), "S1", &sink);
        driver.start();
        std::string out = driver.feed(envelope + "DATA\r\nx\r\n.\r\nRCPT TO:<c@x.test>\r\n");
        CHECK(
            out.ends_with("451 4.3.0 Error: spool write failed\r\n"
                          "503 5.5.1 Error: need MAIL command\r\n"));
        CHECK(sink.events == std::vector<std::string>{"begin:1", "append", "finish:S1.1"});
        CHECK(driver.messages.empty());
    }
    SECTION("a data_end decision refuses after finish: abort follows") {
        ServerConfig config = test_config();
        config.decisions = static_cast<unsigned>(relaylab::smtp::Phase::data_end);
        RecordingSink sink;
        Driver driver(config, "S1", &sink);
        driver.start();
        driver.feed(envelope + "DATA\r\nx\r\n.\r\n");
        REQUIRE(driver.decide_pending);
        relaylab::smtp::Decision no;
        no.reply = relaylab::smtp::make_reply(554, "5.7.1", "rejected");
        CHECK(driver.decide(no) == "554 5.7.1 rejected\r\n");
        CHECK(sink.events == std::vector<std::string>{"begin:1", "append", "finish:S1.1", "abort"});
    }
    SECTION("accepted: finish is the last call") {
        RecordingSink sink;
        Driver driver(test_config(), "S1", &sink);
        driver.start();
        driver.feed(envelope + "DATA\r\nx\r\n.\r\nQUIT\r\n");
        CHECK(sink.events == std::vector<std::string>{"begin:1", "append", "finish:S1.1"});
        REQUIRE(driver.messages.size() == 1);
        CHECK(driver.messages[0].content.empty());  // the content went to the sink
    }
}
