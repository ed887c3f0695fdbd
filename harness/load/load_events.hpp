// What the load generator reports: one event per message and state change (submitted, then
// exactly one of accepted / failed), and running totals that shards and reports add together.
// Sans-I/O: plain values, no Asio.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/load/latency_histogram.hpp"
#include "harness/smtp/client_session.hpp"
#include "harness/smtp/outcome.hpp"

namespace relaylab::load {

using Clock = std::chrono::steady_clock;

enum class EventKind {
    submitted,  // taken for a connection: from now on it will get exactly one of the two below
    accepted,   // the server answered 2xx after the content
    failed,     // refused, or the connection, TLS, a timeout or cancel() ended it
};
std::string_view to_string(EventKind kind);

struct MessageEvent {
    EventKind kind = EventKind::submitted;
    std::uint64_t number = 0;      // the message number n given to the factory (from 1)
    std::string_view tracking_id;  // the X-Relaylab-Id the content carries
    std::size_t endpoint = 0;      // index into LoadPlan::endpoints of its connection
    // Monotonic timestamps (steady_clock). `intended`: the scheduled arrival in an open loop,
    // the moment it was taken in a closed loop; latency counts from it in an open loop (no
    // coordinated omission) and from `started` in a closed loop.
    Clock::time_point intended;
    Clock::time_point started;  // its MAIL FROM went out; epoch when it never started
    Clock::time_point ended;    // accepted / failed: when the outcome was known
    std::size_t recipients = 0;
    std::size_t accepted_recipients = 0;  // accepted: recipients the server took
    std::string_view queue_id;            // accepted: from the 250 text, empty if none recognised
    // failed: the typed outcome (layer, deciding reply, timeout phase, TLS reason) and whether
    // the content was fully sent first (the server may have it: a retry may duplicate).
    smtp::Outcome outcome;
    bool content_sent = false;
    // The key failures are counted under in LoadTotals::failed_by: the reply code ("552"), or
    // the local cause ("connect", "timeout", "tls", "connection", "session", "cancelled").
    std::string_view failure_key;
    const smtp::TransactionResult* result =
        nullptr;  // the client's replies, when a transaction ran
};

// Called on the generator's executor for every event; must not block.
using EventHandler = std::function<void(const MessageEvent&)>;

struct EndpointTotals {
    std::uint64_t connections = 0;
    std::uint64_t accepted = 0;
    std::uint64_t failed = 0;
};

struct LoadTotals {
    std::uint64_t submitted = 0;
    std::uint64_t accepted = 0;
    std::uint64_t failed = 0;
    std::uint64_t failed_after_content = 0;          // of `failed`: the content had been fully sent
    std::map<std::string, std::uint64_t> failed_by;  // failure key → count
    std::map<std::string, std::uint64_t> outcomes;   // failed: smtp::Outcome::key() → count
    std::uint64_t recipients_accepted = 0;
    std::uint64_t connections = 0;
    std::uint64_t connect_failures = 0;
    std::map<std::string, std::uint64_t> tls_versions;  // of the connections that used TLS
    std::vector<EndpointTotals> endpoints;              // per LoadPlan::endpoints entry
    std::string first_error;   // the first connection-level error, for the user
    LatencyHistogram latency;  // accepted messages, microseconds (see MessageEvent)
    double elapsed_s = 0;      // since start(); at the end, the run's duration
    bool finished = false;     // every message has its terminal event, no connection is left
    bool cancelled = false;    // cancel() was called before the end

    std::uint64_t in_flight() const { return submitted - accepted - failed; }
    double accepted_per_s() const {
        return elapsed_s > 0 ? static_cast<double>(accepted) / elapsed_s : 0;
    }
    // Adds a shard's totals (counts, histograms, per-endpoint figures); elapsed is the longest.
    void merge(const LoadTotals& other);
};

}  // namespace relaylab::load
