// The traffic generator behind `relaylab send` and `relaylab run`: closed loop (C sessions,
// each sending as fast as replies allow) or open loop (arrivals at a fixed rate, latency counted
// from the scheduled arrival so that a slow server cannot hide its queueing: no coordinated
// omission).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "harness/load/latency_stats.hpp"
#include "harness/load/message_factory.hpp"
#include "harness/net/smtp_client.hpp"

namespace relaylab::load {

struct LoadConfig {
    boost::asio::ip::tcp::endpoint server;
    std::uint64_t count = 1000;
    std::size_t concurrency = 10;             // connections at once
    std::optional<double> rate;               // msgs/s: open loop; unset: closed loop
    std::size_t messages_per_connection = 0;  // 0: reuse each connection until done
    unsigned threads = 1;
    MessageTemplate message;
    net::ClientConnectionOptions connection;
};

struct LoadResult {
    std::uint64_t submitted = 0;                  // messages attempted
    std::uint64_t sent = 0;                       // accepted by the server (2xx after the content)
    std::map<std::string, std::uint64_t> failed;  // reply code (or local cause) → count
    std::uint64_t connections = 0;
    std::uint64_t connect_failures = 0;
    std::string first_error;  // the first session-level error, for the user
    double duration_s = 0;
    double msgs_per_s = 0;
    LatencySummary latency;
    std::map<std::string, std::uint64_t> tls_versions;  // of the connections that used TLS
};

// Runs the load to completion (bounded: every message is attempted once).
LoadResult run_load(const LoadConfig& config);

// The key a failed transaction is counted under: the reply code, or the local cause
// ("connect", "timeout", "connection", "tls") when no reply decided it.
std::string failure_key(const smtp::TransactionResult& result);

}  // namespace relaylab::load
