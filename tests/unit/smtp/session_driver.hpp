// A minimal shell for ServerSession in tests: feeds bytes as a socket would, takes messages,
// records actions, and answers decisions from a queue the test fills.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "harness/smtp/body_pump.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::smtp::test {

inline ServerConfig test_config() {
    ServerConfig config;
    config.hostname = "mx.test";
    config.banner = "ESMTP relaylab";
    return config;
}

inline const std::string ehlo_reply_plain =
    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";

class RecordingObserver : public SessionObserver {
  public:
    void on_command(std::string_view line) override { commands.emplace_back(line); }
    void on_reply(std::string_view wire) override { replies.emplace_back(wire); }
    std::vector<std::string> commands;
    std::vector<std::string> replies;
};

class Driver {
  public:
    // Body content goes to `sink` when given, else it is collected into each message's content
    // (MemoryBodySink), as the Asio shell does.
    explicit Driver(const ServerConfig& config = test_config(), std::string session_id = "S1",
                    BodySink* sink = nullptr)
        : session(config, ConnectionInfo{session_id, "127.0.0.1", 40000, false}),
          pump(sink != nullptr ? *sink : memory) {}

    // Starts the session and returns the greeting.
    std::string start() {
        session.start();
        drain();
        return take_output();
    }

    // Feeds everything a shell would: keeps feeding after each action is handled, until the
    // input is used up, the session stops taking input (TLS, a decision, closing) or closes.
    // Returns the output produced; `unconsumed` holds what was left.
    std::string feed(std::string_view bytes) {
        unconsumed = std::string(bytes);
        std::string_view rest = unconsumed;
        while (true) {
            std::size_t used = session.feed(rest);
            if (used > rest.size()) throw std::logic_error("feed consumed more than given");
            rest.remove_prefix(used);
            bool progressed = drain() || used > 0;
            if (rest.empty() || !progressed || stopped()) break;
        }
        unconsumed = std::string(rest);
        return take_output();
    }

    // Feeds one byte at a time (each handled before the next), returning all output.
    std::string feed_bytewise(std::string_view bytes) {
        std::string out;
        std::string left;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            if (stopped()) {
                left.append(bytes.substr(i));
                break;
            }
            out += feed(bytes.substr(i, 1));
            left += unconsumed;
            if (!unconsumed.empty()) {
                left.append(bytes.substr(i + 1));
                break;
            }
        }
        unconsumed = left;
        return out;
    }

    // Answers the pending decision and returns the output it produced.
    std::string decide(const Decision& decision) {
        decide_pending = false;
        session.decide(decision);
        drain();
        return take_output();
    }

    std::string take_output() {
        std::string out = std::move(session.output());
        session.output().clear();
        return out;
    }

    bool stopped() const { return closed || tls_requested || decide_pending; }

    ServerSession session;
    MemoryBodySink memory;
    BodyPump pump;
    std::vector<ServerSession::Action> actions;
    std::vector<ReceivedMessage> messages;
    std::string unconsumed;
    bool closed = false;
    bool tls_requested = false;
    bool decide_pending = false;

  private:
    bool drain() {
        bool any = false;
        while (auto action = session.poll()) {
            any = true;
            actions.push_back(*action);
            switch (*action) {
                case ServerSession::Action::message:
                    messages.push_back(session.take_message());
                    break;
                case ServerSession::Action::close:
                    closed = true;
                    break;
                case ServerSession::Action::start_tls:
                    tls_requested = true;
                    break;
                case ServerSession::Action::decide:
                    decide_pending = true;
                    break;
                case ServerSession::Action::body_begin:
                case ServerSession::Action::body_chunk:
                case ServerSession::Action::body_end:
                case ServerSession::Action::body_abort:
                    pump.handle(session, *action);
                    break;
            }
        }
        return any;
    }
};

}  // namespace relaylab::smtp::test
