// `relaylab run --dashboard ADDR:PORT`: a live page while the run goes on. GET / serves a page
// (the report stylesheet, a small script) that opens GET /events, a server-sent-events stream
// (text/event-stream) on which the runner's snapshot, rendered by the same renderer as
// report.html (reports::render_html_sections), arrives every second as one event; the script
// swaps it in. GET /snapshot.json serves the latest snapshot document. When the run ends the
// last event says so and the stream closes.
//
// Loopback by default; bounded: a few concurrent viewers (SSE streams count against the
// connection limit), a write deadline on every event so a stalled viewer is cut, not buffered.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace relaylab::runner {

struct DashboardConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: ephemeral, see Dashboard::port()
    std::size_t max_viewers = 16;
    // A viewer that does not take an event within this is cut (its connection closed).
    std::chrono::milliseconds event_write_timeout{std::chrono::seconds(10)};
    // A comment line on an idle stream, so proxies and browsers keep it open.
    std::chrono::milliseconds ping_interval{std::chrono::seconds(15)};
};

class Dashboard {
  public:
    explicit Dashboard(DashboardConfig config);
    ~Dashboard();  // stop()
    Dashboard(const Dashboard&) = delete;
    Dashboard& operator=(const Dashboard&) = delete;

    // Binds and starts its own io thread; throws std::system_error naming the address.
    void start();
    // Publishes a snapshot (a report.json document, possibly partial) to every viewer: the
    // rendering happens here, once, not per viewer. Safe from any thread.
    void publish(const nlohmann::json& snapshot);
    // Sends a last event ("the run is over") and closes the streams; then stops.
    void finish(const nlohmann::json& final_report);
    void stop();

    std::uint16_t port() const;
    std::string url() const;  // "http://127.0.0.1:40123/"

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::runner
