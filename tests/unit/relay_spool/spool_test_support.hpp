// Helpers of the spool tests: a temporary spool directory removed at the end, messages and
// bodies derived from their id (so a recovered body can be checked without remembering it), and
// a blocking wait for a `done`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "harness/relay/spool/spool.hpp"
#include "tests/lib/temp_dir.hpp"

namespace relaylab::relay::test {

using TempDir = relaylab::testing::TempDir;

inline SpoolOptions options_for(const std::filesystem::path& dir,
                                std::uint64_t segment_bytes = 64ull << 20) {
    SpoolOptions options;
    options.directory = dir;
    options.segment_bytes = segment_bytes;
    return options;
}

// `size` octets of text that depend on the id: a body swapped, shifted or cut shows.
inline std::string body_for(const std::string& id, std::size_t size) {
    std::string body;
    body.reserve(size);
    std::uint64_t state = std::hash<std::string>{}(id);
    while (body.size() < size) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        body.push_back(static_cast<char>('a' + (state >> 59) % 26));
        if (body.size() % 78 == 76 && body.size() + 2 <= size) body += "\r\n";
    }
    return body;
}

inline SpoolMessage message_for(const std::string& id, std::size_t recipients = 1) {
    SpoolMessage message;
    message.id = id;
    message.mail_from = "sender@example.org";
    message.client_address = "127.0.0.1";
    message.helo = "client.example.org";
    message.received_at_ms = 1'790'000'000'000;
    for (std::size_t i = 0; i < recipients; ++i) {
        SpoolRecipient recipient;
        recipient.address = "rcpt" + std::to_string(i) + "@example.net";
        message.recipients.push_back(std::move(recipient));
    }
    return message;
}

// Stores and waits for the writer's answer (bounded: a hung writer fails the test, not CI).
inline std::error_code store_and_wait(Spool& spool, SpoolMessage message, std::string body) {
    auto promise = std::make_shared<std::promise<std::error_code>>();
    auto result = promise->get_future();
    spool.store(std::move(message), std::move(body),
                [promise](std::error_code error) { promise->set_value(error); });
    if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        return std::make_error_code(std::errc::timed_out);
    }
    return result.get();
}

inline std::error_code wait_done(const std::function<void(Spool::Done)>& call) {
    auto promise = std::make_shared<std::promise<std::error_code>>();
    auto result = promise->get_future();
    call([promise](std::error_code error) { promise->set_value(error); });
    if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        return std::make_error_code(std::errc::timed_out);
    }
    return result.get();
}

}  // namespace relaylab::relay::test
