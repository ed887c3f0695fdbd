// Transcripts as data (as llhttp's test/request/pipelining.md): client bytes beside the exact
// server bytes expected. Each transcript runs three ways that must agree: step by step, all
// client bytes in one feed (pipelining), and one byte at a time.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/smtp/session_driver.hpp"

namespace relaylab::smtp::test {

struct Step {
    std::string client;
    std::string server;
};

struct TranscriptResult {
    std::vector<ReceivedMessage> messages;
    bool closed = false;
    std::string unconsumed;  // client bytes the session did not take (after close)
};

inline std::string join_client(const std::vector<Step>& steps) {
    std::string all;
    for (const auto& step : steps)
        all += step.client;
    return all;
}

inline std::string join_server(const std::vector<Step>& steps) {
    std::string all;
    for (const auto& step : steps)
        all += step.server;
    return all;
}

inline const std::string greeting = "220 mx.test ESMTP relaylab\r\n";

// Runs the transcript three ways and returns what the step-by-step run produced.
inline TranscriptResult check_transcript(const ServerConfig& config, const std::vector<Step>& steps,
                                         const std::string& left_over = "") {
    TranscriptResult result;
    {
        Driver driver(config);
        REQUIRE(driver.start() == greeting);
        std::string left;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            INFO("step " << i << ": client sends \"" << steps[i].client << "\"");
            std::string got = driver.feed(steps[i].client);
            CHECK(got == steps[i].server);
            left += driver.unconsumed;
        }
        CHECK(left == left_over);
        result.messages = std::move(driver.messages);
        result.closed = driver.closed;
        result.unconsumed = left;
    }
    {
        INFO("all client bytes in one feed");
        Driver driver(config);
        REQUIRE(driver.start() == greeting);
        CHECK(driver.feed(join_client(steps)) == join_server(steps));
        CHECK(driver.unconsumed == left_over);
        CHECK(driver.messages.size() == result.messages.size());
        CHECK(driver.closed == result.closed);
    }
    {
        INFO("one byte at a time");
        Driver driver(config);
        REQUIRE(driver.start() == greeting);
        CHECK(driver.feed_bytewise(join_client(steps)) == join_server(steps));
        CHECK(driver.unconsumed == left_over);
        CHECK(driver.messages.size() == result.messages.size());
        CHECK(driver.closed == result.closed);
    }
    return result;
}

inline const std::string ehlo = "EHLO client.test\r\n";
inline const std::string mail_ok = "250 2.1.0 Ok\r\n";
inline const std::string rcpt_ok = "250 2.1.5 Ok\r\n";
inline const std::string go_ahead = "354 End data with <CR><LF>.<CR><LF>\r\n";
inline const std::string ok = "250 2.0.0 Ok\r\n";
inline const std::string bye = "221 2.0.0 Bye\r\n";
inline std::string queued(int n) {
    return "250 2.0.0 Ok: queued as S1." + std::to_string(n) + "\r\n";
}

}  // namespace relaylab::smtp::test
