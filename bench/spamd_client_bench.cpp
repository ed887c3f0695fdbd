// Spam scoring throughput: relaylab's spamd client beside Debian's spamc, against one private
// spamd (SpamdProcess, local rules only), over the same generated messages at the same
// parallelism. Prints messages/s of each, their ratio, and whether every score agreed.
// Driven by bench/spam_scoring.sh (which builds it); not a test.
//
// usage: spamd_client_bench WORK_DIR COUNT CHILDREN [ROUNDS]
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fake-mx/placement/net/spamd_client.hpp"
#include "fake-mx/placement/net/spamd_process.hpp"

namespace asio = boost::asio;
namespace fs = std::filesystem;
using relaylab::placement::SpamdConfig;
using relaylab::placement::SpamdProcess;
using relaylab::placement::SpamdProcessConfig;
using relaylab::placement::SpamScore;

namespace {

const std::vector<std::string> plain_words = {
    "meeting", "release", "schedule", "review",  "notes",    "project", "budget",  "team",
    "report",  "draft",   "question", "monday",  "friday",   "office",  "thanks",  "update",
    "plan",    "test",    "customer", "invoice", "document", "call",    "tomorrow"};
const std::vector<std::string> spammy_phrases = {
    "Click here to claim your FREE prize now!!!", "Limited time offer, act now",
    "Make money fast from home, 100% guaranteed", "Cheap meds without prescription",
    "You have been selected as a WINNER",         "Lowest mortgage rates, no credit check"};

// A message of 1 to 5 KB; one in three reads like bulk advertising, one in ten is HTML.
std::string generate_message(int n, std::mt19937& random) {
    const bool spammy = n % 3 == 0;
    const bool html = n % 10 == 0;
    std::ostringstream text;
    text << "Received: from mail" << n % 7 << ".example.test (mail.example.test [192.0.2."
         << n % 250 << "])\r\n\tby mx.example.org with ESMTPS id B" << n
         << "; Thu, 03 Dec 2026 07:00:01 +0000\r\n"
         << "From: Sender " << n % 13 << " <sender" << n % 13 << "@example.test>\r\n"
         << "To: rcpt" << n << "@example.org\r\n"
         << "Subject: "
         << (spammy ? spammy_phrases[n % spammy_phrases.size()] : "Notes " + std::to_string(n))
         << "\r\n"
         << "Message-ID: <bench-" << n << "." << random() << "@example.test>\r\n"
         << "Date: Thu, 03 Dec 2026 07:00:00 +0000\r\n"
         << "MIME-Version: 1.0\r\n"
         << "Content-Type: " << (html ? "text/html" : "text/plain") << "; charset=utf-8\r\n\r\n";
    if (html) text << "<html><body><p>\r\n";
    const std::size_t target = 1000 + random() % 4000;
    std::size_t written = 0;
    while (written < target) {
        std::string line;
        for (int word = 0; word < 10; ++word)
            line += plain_words[random() % plain_words.size()] + " ";
        if (spammy && random() % 3 == 0) line += spammy_phrases[random() % spammy_phrases.size()];
        if (html && random() % 4 == 0) line += " <a href=\"http://offers.example.net/x\">here</a>";
        text << line << "\r\n";
        written += line.size() + 2;
    }
    if (html) text << "</p></body></html>\r\n";
    return text.str();
}

// Scores every message with `parallel` coroutines on one thread, as the fake MX would.
std::vector<SpamScore> score_all(const SpamdConfig& config,
                                 const std::vector<std::string>& messages, unsigned parallel) {
    asio::io_context io;
    std::vector<SpamScore> results(messages.size());
    std::size_t next = 0;
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < messages.size()) {
            std::size_t mine = next++;
            results[mine] = co_await relaylab::placement::score_with_spamd(config, messages[mine]);
        }
    };
    for (unsigned i = 0; i < parallel; ++i) {
        asio::co_spawn(io, worker(), [](std::exception_ptr error) {
            if (error) std::rethrow_exception(error);
        });
    }
    io.run();
    return results;
}

// spamc over the same files, the same parallelism (xargs -P), one sh per message for the
// redirect (spamc reads standard input only). Each writes "score/threshold" beside its message.
std::string spamc_command(const fs::path& message_dir, const SpamdProcess& spamd,
                          unsigned children) {
    return "cd '" + message_dir.string() + "' && ls | grep '\\.eml$' | xargs -P " +
           std::to_string(children) + " -I{} sh -c 'spamc -d " + spamd.address() + " -p " +
           std::to_string(spamd.port()) + " -t 120 -c < {} > {}.spamc || true'";
}

// spamd logs "scantime=0.3," per message: the time it spent inside SpamAssassin.
std::string scan_time_summary(const fs::path& log) {
    std::ifstream in(log);
    double total = 0;
    int scans = 0;
    for (std::string line; std::getline(in, line);) {
        auto at = line.find("scantime=");
        if (at == std::string::npos) continue;
        total += std::atof(line.c_str() + at + 9);
        ++scans;
    }
    if (scans == 0) return "no scans logged";
    char text[128];
    std::snprintf(text, sizeof text, "%.3f s per message on average over %d scans", total / scans,
                  scans);
    return text;
}

double seconds_since(std::chrono::steady_clock::time_point begin) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) {
        std::cerr << "usage: spamd_client_bench WORK_DIR COUNT CHILDREN [ROUNDS]\n";
        return 2;
    }
    const fs::path work = argv[1];
    const int count = std::atoi(argv[2]);
    const unsigned children = static_cast<unsigned>(std::atoi(argv[3]));
    const int rounds = argc == 5 ? std::atoi(argv[4]) : 2;
    if (count <= 0 || children == 0 || rounds <= 0) {
        std::cerr << "COUNT and CHILDREN must be positive\n";
        return 2;
    }

    SpamdProcessConfig process_config;
    process_config.work_dir = work / "spamd";
    process_config.children = children;
    SpamdProcess spamd(process_config);
    auto begin = std::chrono::steady_clock::now();
    spamd.start();
    std::printf("spamd pid %d, %u children, answered PING after %.2f s\n", spamd.pid(), children,
                seconds_since(begin));

    std::mt19937 random(13);
    std::vector<std::string> messages;
    const fs::path message_dir = work / "messages";
    fs::create_directories(message_dir);
    std::size_t total_bytes = 0;
    for (int n = 0; n < count; ++n) {
        messages.push_back(generate_message(n, random));
        std::ofstream(message_dir / (std::to_string(n) + ".eml"), std::ios::binary)
            << messages.back();
        total_bytes += messages.back().size();
    }
    std::printf("%d messages, %zu bytes on average\n", count, total_bytes / messages.size());

    SpamdConfig config;
    config.address = spamd.address();
    config.port = spamd.port();
    config.timeout = std::chrono::seconds(120);

    // Warm-up: each child's first message loads what the parent did not preload.
    std::vector<std::string> warm(messages.begin(),
                                  messages.begin() + std::min<int>(count, 4 * children));
    score_all(config, warm, children);

    // Rounds alternate which client goes first, so neither always meets a warmer spamd or a
    // quieter machine.
    int failures = 0;
    int agree = 0;
    int spam = 0;
    double ours_seconds = 0;
    double spamc_seconds = 0;
    for (int round = 0; round < rounds; ++round) {
        auto run_ours = [&] {
            auto begin = std::chrono::steady_clock::now();
            std::vector<SpamScore> ours = score_all(config, messages, children);
            double took = seconds_since(begin);
            ours_seconds += took;
            std::printf("  round %d relaylab client: %.2f s = %.1f msg/s\n", round + 1, took,
                        count / took);
            return ours;
        };
        auto run_spamc = [&] {
            auto begin = std::chrono::steady_clock::now();
            int status = std::system(spamc_command(message_dir, spamd, children).c_str());
            double took = seconds_since(begin);
            spamc_seconds += took;
            if (status != 0) std::fprintf(stderr, "spamc run exited with %d\n", status);
            std::printf("  round %d spamc: %.2f s = %.1f msg/s\n", round + 1, took, count / took);
        };
        std::vector<SpamScore> ours;
        if (round % 2 == 0) {
            ours = run_ours();
            run_spamc();
        } else {
            run_spamc();
            ours = run_ours();
        }
        for (int n = 0; n < count; ++n) {
            const SpamScore& score = ours[n];
            if (!score.scored && ++failures <= 3) {
                std::fprintf(stderr, "relaylab client: %s\n", score.error.c_str());
            }
            spam += score.scored && score.score >= score.threshold;
            std::ifstream in(message_dir / (std::to_string(n) + ".eml.spamc"));
            double theirs = 0, threshold = 0;
            char slash = 0;
            if (in >> theirs >> slash >> threshold && slash == '/' && score.scored &&
                theirs == score.score) {
                ++agree;
            }
        }
    }
    const int total = count * rounds;
    std::printf("relaylab client: %d messages in %.2f s = %.1f msg/s (%d failed, %d spam)\n", total,
                ours_seconds, total / ours_seconds, failures, spam);
    std::printf("spamc (xargs -P %u): %d messages in %.2f s = %.1f msg/s\n", children, total,
                spamc_seconds, total / spamc_seconds);
    std::printf("ratio relaylab/spamc: %.2f; scores identical for %d of %d messages\n",
                spamc_seconds / ours_seconds, agree, total);
    std::printf("spamd's own scan time: %s\n", scan_time_summary(spamd.log_path()).c_str());
    spamd.stop();
    return failures == 0 && agree == count * rounds ? 0 : 1;
}
