// Client transcripts as data: the server's bytes beside the exact client bytes expected, as the
// server's transcript.hpp does the other way round. Each transcript runs several ways that must
// agree: step by step, all server bytes in one feed, one byte at a time, and split in two at
// every offset. Every run checks the accounting invariant: each message handed to the session
// gets exactly one result, or comes back from take_unsent() once the session is closed.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/smtp/client_session.hpp"

namespace relaylab::smtp::test {

struct ClientStep {
    std::string server;  // what the server sends
    std::string client;  // what the client must write in response
};

inline OutgoingMessage make_message(std::uint64_t id, std::vector<std::string> recipients,
                                    std::string content = "Subject: t\r\n\r\nhi\r\n") {
    OutgoingMessage message;
    message.id = id;
    message.mail_from = "a@x.test";
    message.recipients = std::move(recipients);
    message.content = std::make_shared<const std::string>(std::move(content));
    return message;
}

class ClientDriver {
  public:
    explicit ClientDriver(ClientConfig config) : session(std::move(config)) {}

    void submit(OutgoingMessage message) {
        submitted.push_back(message.id);
        session.submit(std::move(message));
    }

    // Handles every pending action the way a shell would and returns the bytes to write.
    std::string drain() {
        while (auto action = session.poll()) {
            switch (*action) {
                case ClientSession::Action::transaction_done:
                    while (auto result = session.take_result())
                        results.push_back(std::move(*result));
                    break;
                case ClientSession::Action::close: {
                    closed = true;
                    auto back = session.take_unsent();
                    for (auto& message : back)
                        unsent.push_back(std::move(message));
                    break;
                }
                case ClientSession::Action::start_tls:
                    tls_requested = true;
                    break;
                default:
                    break;
            }
        }
        std::string out = std::move(session.output());
        session.output().clear();
        return out;
    }

    std::string feed(std::string_view bytes) {
        session.feed(bytes);
        return drain();
    }

    std::string feed_bytewise(std::string_view bytes) {
        std::string out;
        for (char c : bytes)
            out += feed(std::string_view(&c, 1));
        return out;
    }

    // Exactly one result per submitted message, or (once closed) back as unsent; never both.
    void check_accounting() const {
        std::map<std::uint64_t, int> seen;
        for (const auto& result : results)
            ++seen[result.id];
        for (const auto& message : unsent)
            ++seen[message.id];
        for (auto id : submitted) {
            INFO("message " << id);
            if (closed) {
                CHECK(seen[id] == 1);
            } else {
                CHECK(seen[id] <= 1);
            }
        }
        CHECK(seen.size() <= submitted.size());
    }

    ClientSession session;
    std::vector<std::uint64_t> submitted;
    std::vector<TransactionResult> results;
    std::vector<OutgoingMessage> unsent;
    bool closed = false;
    bool tls_requested = false;
};

using ClientSetup = std::function<void(ClientDriver&)>;

struct ClientRun {
    std::vector<TransactionResult> results;
    std::vector<OutgoingMessage> unsent;
    bool closed = false;
    const ClientSession* session = nullptr;
};

// What must agree between the runs: per message its id, outcome key, accepted, content sent.
inline std::string result_signature(const ClientDriver& driver) {
    std::string out;
    for (const auto& r : driver.results) {
        out += std::to_string(r.id) + ' ' + r.outcome.key() + (r.accepted ? " A" : " -") +
               (r.content_sent ? " C" : " -");
        for (const auto& recipient : r.recipients)
            out += ' ' + recipient.address + '=' + std::to_string(recipient.reply.code) +
                   (recipient.accepted ? "+" : "");
        out += ';';
    }
    for (const auto& m : driver.unsent)
        out += "unsent " + std::to_string(m.id) + ';';
    out += driver.closed ? "closed" : "open";
    return out;
}

inline std::string join_server(const std::vector<ClientStep>& steps) {
    std::string all;
    for (const auto& step : steps)
        all += step.server;
    return all;
}

inline std::string join_client(const std::vector<ClientStep>& steps) {
    std::string all;
    for (const auto& step : steps)
        all += step.client;
    return all;
}

// Runs the transcript every way; the step-by-step driver is returned for further checks.
inline std::unique_ptr<ClientDriver> check_client_transcript(const ClientConfig& config,
                                                             const ClientSetup& setup,
                                                             const std::vector<ClientStep>& steps) {
    auto stepwise = std::make_unique<ClientDriver>(config);
    setup(*stepwise);
    CHECK(stepwise->drain().empty());  // nothing before the greeting
    for (std::size_t i = 0; i < steps.size(); ++i) {
        INFO("step " << i << ": server sends \"" << steps[i].server << "\"");
        CHECK(stepwise->feed(steps[i].server) == steps[i].client);
    }
    stepwise->check_accounting();
    const std::string signature = result_signature(*stepwise);
    const std::string server = join_server(steps);
    const std::string client = join_client(steps);
    {
        INFO("all server bytes in one feed");
        ClientDriver driver(config);
        setup(driver);
        CHECK(driver.feed(server) == client);
        driver.check_accounting();
        CHECK(result_signature(driver) == signature);
    }
    {
        INFO("one byte at a time");
        ClientDriver driver(config);
        setup(driver);
        CHECK(driver.feed_bytewise(server) == client);
        driver.check_accounting();
        CHECK(result_signature(driver) == signature);
    }
    for (std::size_t split = 1; split < server.size(); ++split) {
        ClientDriver driver(config);
        setup(driver);
        std::string got = driver.feed(std::string_view(server).substr(0, split));
        got += driver.feed(std::string_view(server).substr(split));
        if (got != client || result_signature(driver) != signature) {
            INFO("split at offset " << split);
            CHECK(got == client);
            CHECK(result_signature(driver) == signature);
            break;  // one failure report is enough
        }
        driver.check_accounting();
    }
    return stepwise;
}

}  // namespace relaylab::smtp::test
