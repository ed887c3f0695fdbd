// relaylab's spamd client against Debian's spamd, checked against Debian's spamc: the scores must
// be spamd's own, whoever asks. spamd takes seconds to compile its rules, so one private spamd
// serves every test case here and the last one stops it.
#include <signal.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fake-mx/placement/model/spamd_protocol.hpp"
#include "fake-mx/placement/net/spamd_client.hpp"
#include "fake-mx/placement/net/spamd_process.hpp"
#include "tests/catch_main.hpp"
#include "tests/lib/temp_dir.hpp"

namespace asio = boost::asio;
using relaylab::placement::SpamdConfig;
using relaylab::placement::SpamdProcess;
using relaylab::placement::SpamdProcessConfig;
using relaylab::placement::SpamScore;
using relaylab::testing::TempDir;
using tcp = asio::ip::tcp;

std::string relaylab::test::prepare_run() {
    if (!SpamdProcess::find_binary()) {
        return "spamd is not installed (Debian: apt-get install spamassassin spamd spamc)";
    }
    return {};
}

namespace {

// Generous: two busy CI cores, sanitizers on our side (spamd itself is plain Perl).
constexpr auto score_timeout = std::chrono::seconds(60);

// The GTUBE line (SpamAssassin's test string: 1000 points) in an otherwise plain message.
std::string gtube_message(int n) {
    return "From: Sender <sender@example.test>\r\n"
           "To: rcpt@example.org\r\n"
           "Subject: gtube " +
           std::to_string(n) +
           "\r\n"
           "Message-ID: <gtube-" +
           std::to_string(n) +
           "@example.test>\r\n"
           "Date: Thu, 03 Dec 2026 07:00:00 +0000\r\n"
           "\r\n"
           "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n";
}

// What a person writes to a colleague: a few lines, proper headers, no selling.
std::string ordinary_message(int n) {
    return "Received: from mail.example.test (mail.example.test [192.0.2.10])\r\n"
           "\tby mx.example.org with ESMTPS id 4F2A1B3C4D; Thu, 03 Dec 2026 07:00:01 +0000\r\n"
           "From: Alice Example <alice@example.test>\r\n"
           "To: Bob Example <bob@example.org>\r\n"
           "Subject: Notes from Tuesday's meeting (" +
           std::to_string(n) +
           ")\r\n"
           "Message-ID: <20261203070000.meeting-" +
           std::to_string(n) +
           "@mail.example.test>\r\n"
           "Date: Thu, 03 Dec 2026 07:00:00 +0000\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "\r\n"
           "Hi Bob,\r\n"
           "\r\n"
           "here are my notes from Tuesday. We agreed to move the release to the\r\n"
           "second week of January and to review the test plan on Friday.\r\n"
           "Could you send me the updated schedule when you have it?\r\n"
           "\r\n"
           "Thanks,\r\n"
           "Alice\r\n";
}

// Runs one scoring to its end on a fresh io_context (other coroutines, such as a fake server,
// may be spawned on it first).
SpamScore score_on(asio::io_context& io, const SpamdConfig& config, const std::string& message) {
    std::optional<SpamScore> result;
    asio::co_spawn(io, relaylab::placement::score_with_spamd(config, message),
                   [&](std::exception_ptr error, SpamScore score) {
                       if (error) std::rethrow_exception(error);
                       result = std::move(score);
                       io.stop();  // a stalling fake server may still be waiting
                   });
    io.run();
    REQUIRE(result.has_value());
    return *result;
}

SpamScore score(const SpamdConfig& config, const std::string& message) {
    asio::io_context io;
    return score_on(io, config, message);
}

// The spamd of this binary, started on first use.
struct SharedSpamd {
    TempDir dir{"spamd"};
    std::unique_ptr<SpamdProcess> process;
    int started_pid = -1;
    double start_seconds = 0;
    std::string start_error;

    SharedSpamd() {
        SpamdProcessConfig config;
        config.work_dir = dir.path;
        config.children = 2;
        process = std::make_unique<SpamdProcess>(config);
        auto begin = std::chrono::steady_clock::now();
        try {
            process->start();
        } catch (const std::exception& e) {
            start_error = e.what();
            return;
        }
        start_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        started_pid = process->pid();
        std::cout << "spamd " << started_pid << " answered PING on port " << process->port()
                  << " after " << start_seconds << " s\n";
    }

    SpamdConfig client_config() const {
        SpamdConfig config;
        config.address = process->address();
        config.port = process->port();
        config.timeout = score_timeout;
        return config;
    }
};

SharedSpamd& shared_spamd() {
    static SharedSpamd spamd;
    REQUIRE(spamd.start_error == "");
    return spamd;
}

// A free loopback port that nobody listens on (the kernel does not hand it out again at once).
std::uint16_t closed_port() {
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

// Runs `command`, returns its standard output.
std::string run_command(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char chunk[4096];
    for (std::size_t got; (got = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) {
        output.append(chunk, got);
    }
    ::pclose(pipe);
    return output;
}

bool have_spamc() {
    return std::system("command -v spamc >/dev/null 2>&1") == 0;
}

// spamc -R: "score/threshold" then SpamAssassin's report, whose table lists "pts RULE text".
struct SpamcReport {
    double score = 0;
    double threshold = 0;
    std::set<std::string> rules;
};

SpamcReport spamc_report(const SharedSpamd& spamd, const std::filesystem::path& message) {
    std::string output =
        run_command("spamc -d " + spamd.process->address() + " -p " +
                    std::to_string(spamd.process->port()) + " -t 60 -R < " + message.string());
    INFO("spamc said:\n" << output);
    SpamcReport report;
    REQUIRE(std::sscanf(output.c_str(), "%lf/%lf", &report.score, &report.threshold) == 2);
    static const std::regex rule_line(R"(^ *-?[0-9]+(\.[0-9]+)? +([A-Z0-9_]+) )");
    std::istringstream lines(output);
    bool in_table = false;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("----", 0) == 0) {
            in_table = true;
            continue;
        }
        std::smatch match;
        if (in_table && std::regex_search(line, match, rule_line)) report.rules.insert(match[2]);
    }
    return report;
}

}  // namespace

TEST_CASE("GTUBE scores 1000 or more with the rule GTUBE") {
    auto& spamd = shared_spamd();
    SpamScore result = score(spamd.client_config(), gtube_message(1));
    INFO(result.error);
    REQUIRE(result.scored);
    CHECK(result.error.empty());
    CHECK(result.score >= 1000);
    CHECK(result.threshold == 5.0);
    CHECK(std::find(result.rules.begin(), result.rules.end(), "GTUBE") != result.rules.end());
}

TEST_CASE("an ordinary short message scores below the threshold") {
    auto& spamd = shared_spamd();
    SpamScore result = score(spamd.client_config(), ordinary_message(1));
    INFO(result.error);
    REQUIRE(result.scored);
    CHECK(result.score < 5.0);
    CHECK(result.threshold == 5.0);
    CHECK(std::find(result.rules.begin(), result.rules.end(), "GTUBE") == result.rules.end());
}

TEST_CASE("many messages at once, more than spamd has children: each gets its own verdict") {
    auto& spamd = shared_spamd();
    asio::io_context io;
    constexpr int count = 16;
    std::vector<std::optional<SpamScore>> results(count);
    std::vector<std::string> messages;
    for (int i = 0; i < count; ++i) {
        messages.push_back(i % 2 == 0 ? gtube_message(i) : ordinary_message(i));
    }
    const SpamdConfig config = spamd.client_config();
    for (int i = 0; i < count; ++i) {
        asio::co_spawn(io, relaylab::placement::score_with_spamd(config, messages[i]),
                       [&results, i](std::exception_ptr error, SpamScore got) {
                           if (error) std::rethrow_exception(error);
                           results[i] = std::move(got);
                       });
    }
    io.run();
    for (int i = 0; i < count; ++i) {
        INFO("message " << i << (i % 2 == 0 ? " (GTUBE)" : " (ordinary)"));
        REQUIRE(results[i].has_value());
        INFO(results[i]->error);
        REQUIRE(results[i]->scored);
        if (i % 2 == 0) {
            CHECK(results[i]->score >= 1000);
        } else {
            CHECK(results[i]->score < 5.0);
        }
    }
}

TEST_CASE("spamc -R (Debian's client) reports the same score and rules as relaylab's client") {
    auto& spamd = shared_spamd();
    if (!have_spamc()) {
        relaylab::test::skip_test("spamc is not installed (Debian: apt-get install spamc)");
        return;
    }
    TempDir dir("spamc");
    const std::vector<std::pair<std::string, std::string>> messages = {
        {"gtube", gtube_message(2)}, {"ordinary", ordinary_message(2)}};
    for (const auto& [label, message] : messages) {
        INFO(label);
        auto file = dir.write(label + ".eml", message);
        SpamScore ours = score(spamd.client_config(), message);
        INFO(ours.error);
        REQUIRE(ours.scored);
        SpamcReport theirs = spamc_report(spamd, file);
        // Both print one decimal place: the same spamd gives the same number, not a near one.
        CHECK(ours.score == theirs.score);
        CHECK(ours.threshold == theirs.threshold);
        CHECK(std::set<std::string>(ours.rules.begin(), ours.rules.end()) == theirs.rules);
    }
}

TEST_CASE("a server that answers garbage: not scored, the error says why") {
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    const std::string message = ordinary_message(3);
    // It reads the whole request first: closing with unread bytes would send a RST, and the
    // client could see "connection reset" instead of the garbage.
    const std::size_t request_bytes =
        relaylab::placement::spamd::symbols_request_head(message.size()).size() + message.size();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto socket = co_await acceptor.async_accept(asio::use_awaitable);
            std::string request;
            co_await asio::async_read(socket, asio::dynamic_buffer(request),
                                      asio::transfer_exactly(request_bytes), asio::use_awaitable);
            co_await asio::async_write(
                socket, asio::buffer(std::string("HTTP/1.1 400 Bad Request\r\n\r\n")),
                asio::use_awaitable);
            socket.shutdown(tcp::socket::shutdown_both);
        },
        asio::detached);
    SpamdConfig config;
    config.port = acceptor.local_endpoint().port();
    config.timeout = score_timeout;
    SpamScore result = score_on(io, config, message);
    INFO(result.error);
    CHECK_FALSE(result.scored);
    CHECK(result.error.find("not a spamd status line") != std::string::npos);
    CHECK(result.error.find("HTTP/1.1 400") != std::string::npos);
}

TEST_CASE("a server that accepts and stalls: timed out within the configured timeout") {
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    tcp::socket held(io);  // accepted, read from, never answered
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            held = co_await acceptor.async_accept(asio::use_awaitable);
            std::string sink;
            co_await asio::async_read(held, asio::dynamic_buffer(sink),
                                      asio::as_tuple(asio::use_awaitable));
        },
        asio::detached);
    SpamdConfig config;
    config.port = acceptor.local_endpoint().port();
    config.timeout = std::chrono::milliseconds(300);
    const auto begin = std::chrono::steady_clock::now();
    SpamScore result = score_on(io, config, ordinary_message(4));
    const auto took = std::chrono::steady_clock::now() - begin;
    INFO(result.error);
    CHECK_FALSE(result.scored);
    CHECK(result.error.find("timed out after 300 ms waiting for spamd's answer") !=
          std::string::npos);
    CHECK(took >= config.timeout);
    CHECK(took < std::chrono::seconds(30));  // bounded, not the 30 s default nor a hang
}

TEST_CASE("a closed port: connection refused") {
    SpamdConfig config;
    config.port = closed_port();
    config.timeout = score_timeout;
    SpamScore result = score(config, ordinary_message(5));
    CHECK_FALSE(result.scored);
    CHECK(result.error == "connection refused (127.0.0.1:" + std::to_string(config.port) + ")");
}

TEST_CASE("a message above max_message_bytes is not sent, as spamc -s does") {
    SpamdConfig config;
    config.port = closed_port();  // nothing is sent: no connection refused either
    config.max_message_bytes = 1000;
    std::string big = ordinary_message(6) + std::string(2000, 'x') + "\r\n";
    SpamScore result = score(config, big);
    CHECK_FALSE(result.scored);
    CHECK(result.error.find("not scored") != std::string::npos);
    CHECK(result.error.find(std::to_string(big.size()) + " bytes") != std::string::npos);
    CHECK(result.error.find("1000") != std::string::npos);
}

TEST_CASE("stop() ends spamd and its children: the pid is gone") {
    auto& spamd = shared_spamd();
    const int pid = spamd.started_pid;
    REQUIRE(pid > 0);
    REQUIRE(::kill(pid, 0) == 0);
    spamd.process->stop();
    CHECK(spamd.process->pid() == -1);
    CHECK(::kill(pid, 0) == -1);
    CHECK(errno == ESRCH);
    CHECK(::kill(-pid, 0) == -1);  // its process group (spamd's children) too
    spamd.process->stop();         // idempotent
    SpamdConfig config = spamd.client_config();
    SpamScore result = score(config, gtube_message(9));
    CHECK(result.error.find("connection refused") != std::string::npos);
}
