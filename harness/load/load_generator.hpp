// The traffic generator behind `relaylab send`, `relaylab run` and the scenario runner, as a
// library object on the caller's io_context: closed loop (`concurrency` sessions, each sending
// as fast as replies allow) or open loop (arrivals at a fixed rate; latency counted from each
// scheduled arrival, so a slow server cannot hide its queueing: no coordinated omission).
//
// Every message the generator takes gets a `submitted` event and then exactly one `accepted`
// or `failed` event, also when cancel() stops the run. Memory stays bounded whatever the
// count: messages are made by the factory when taken, and totals are streaming counters and a
// fixed-size histogram.
//
//   auto factory = std::make_shared<load::TemplateMessageFactory>(tmpl);
//   load::LoadGenerator generator(io.get_executor(), plan, factory, on_event);
//   generator.start([](const load::LoadTotals& totals) { ... });
//   io.run();                      // or keep running other work; generator.cancel() stops it
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "harness/load/failure_keys.hpp"
#include "harness/load/load_events.hpp"
#include "harness/load/message_factory.hpp"
#include "harness/net/smtp_client.hpp"

namespace relaylab::load {

namespace detail {
struct GeneratorCore;  // the state the generator's coroutines share (load_generator.cpp)
}

enum class EndpointPolicy {
    round_robin,  // each new connection goes to the next endpoint in turn
    per_slot,     // connection slot i always uses endpoint i mod the number of endpoints
};

// Several generators can split one run (one per thread): shard `index` of `of` sends the
// numbers n with (n - 1) mod of == index, and paces them on the whole run's schedule.
struct Shard {
    unsigned index = 0;
    unsigned of = 1;
};

struct LoadPlan {
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // at least one
    EndpointPolicy endpoint_policy = EndpointPolicy::round_robin;
    std::uint64_t count = 1000;    // messages, all shards together
    std::size_t concurrency = 10;  // connections at once (this generator)
    std::optional<double> rate;    // msgs/s for the whole run: open loop
    // Open loop: arrivals at a constant spacing, or Poisson (exponential gaps drawn from
    // (seed, n), so the schedule is the same whatever the sharding).
    bool poisson = false;
    std::uint64_t seed = 1;
    // Take no new message after this long from start() (`count` is then an upper bound; set it
    // to UINT64_MAX for "as many as fit").
    std::optional<std::chrono::milliseconds> duration;
    // Open loop: the rate climbs linearly from 0 to `rate` over this long. Closed loop: the
    // connection slots start evenly spread over it.
    std::chrono::milliseconds ramp_up{0};
    std::size_t messages_per_connection = 0;  // 0: reuse each connection until done
    net::ClientConnectionOptions connection;  // TLS, AUTH, timeouts, pipelining
    Shard shard;
    // A connection that failed is retried after this pause, so a dead server costs a bounded,
    // visible number of attempts (one message each) instead of a busy loop.
    std::chrono::milliseconds reconnect_pause{10};
    // After cancel(), transactions in flight get this long to finish before their connections
    // are cut (their messages then fail with "cancelled").
    std::chrono::milliseconds cancel_grace{2000};
};

class LoadGenerator {
  public:
    // All of the generator's work and every callback run on `executor`; if its io_context is
    // run by several threads, pass a strand.
    LoadGenerator(boost::asio::any_io_executor executor, LoadPlan plan,
                  std::shared_ptr<MessageFactory> factory, EventHandler on_event = {});
    ~LoadGenerator();  // cancels a run still going; its work ends on the executor
    LoadGenerator(const LoadGenerator&) = delete;
    LoadGenerator& operator=(const LoadGenerator&) = delete;

    // Starts the run (once). `on_done` is called on the executor with the final totals when
    // every message has its terminal event and every connection has ended.
    void start(std::function<void(const LoadTotals&)> on_done = {});
    // Takes no new message; in-flight transactions get plan.cancel_grace, then their
    // connections are cut. Safe from any thread, and more than once.
    void cancel();
    // The totals so far (or the final ones once finished). Safe from any thread.
    LoadTotals snapshot() const;
    bool finished() const;

  private:
    std::shared_ptr<detail::GeneratorCore> core_;
};

// Blocking convenience for `relaylab send` / `run`: `threads` generators (shards), each on its
// own io_context and thread, totals merged.
LoadTotals run_load(const LoadPlan& plan, std::shared_ptr<MessageFactory> factory,
                    unsigned threads = 1, EventHandler on_event = {});

}  // namespace relaylab::load
