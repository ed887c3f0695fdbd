// Micro-benchmark of the relay spool: N threads, each like an SMTP session storing a message and
// waiting for "durable" before the next (what a 250 after DATA waits for). Prints stores/s and
// how many records each group commit carried. Built and run by bench/spool/run.sh.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "harness/relay/spool/spool.hpp"

using namespace relaylab::relay;

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: spool_bench DIR THREADS COUNT BODY_BYTES [nofsync]\n");
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    const int threads = std::atoi(argv[2]);
    const int count = std::atoi(argv[3]);
    const std::size_t body_bytes = std::strtoull(argv[4], nullptr, 10);
    const bool fsync = !(argc > 5 && std::string(argv[5]) == "nofsync");
    std::filesystem::remove_all(dir);

    SpoolOptions options;
    options.directory = dir;
    options.fsync = fsync;
    Spool spool(options);
    const std::string body(body_bytes, 'x');
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = t; i < count; i += threads) {
                SpoolMessage message;
                message.id = spool.new_id();
                message.mail_from = "sender@example.org";
                message.recipients.push_back({.address = "rcpt@example.net"});
                std::promise<std::error_code> durable;
                auto result = durable.get_future();
                spool.store(std::move(message), body,
                            [&durable](std::error_code error) { durable.set_value(error); });
                if (result.get()) std::abort();
            }
        });
    }
    for (auto& worker : workers)
        worker.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const SpoolStats stats = spool.stats();
    std::printf(
        "threads=%d stores=%d body=%zu fsync=%s seconds=%.2f stores_per_s=%.0f commits=%llu "
        "records_per_commit=%.1f largest_commit=%llu\n",
        threads, count, body_bytes, fsync ? "on" : "off", seconds, count / seconds,
        static_cast<unsigned long long>(stats.commits),
        static_cast<double>(stats.records_written) / static_cast<double>(stats.commits),
        static_cast<unsigned long long>(stats.largest_commit));
    spool.close();
    std::filesystem::remove_all(dir);
    return 0;
}
