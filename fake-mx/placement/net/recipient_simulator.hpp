// Simulated recipients: for each message a fake MX accepted, the recipient's behaviour is drawn
// (engagement_model.hpp) and acted out over the network as a mail client would: an open fetches
// the message's images (the tracking pixel among them) unless images are blocked, a click fetches
// one of its links (redirects are not followed past the tracker: the target is not ours), an
// unsubscribe POSTs "List-Unsubscribe=One-Click" to the List-Unsubscribe https URI (RFC 8058),
// a link scanner fetches every link and image before the person does, a complaint ("report
// spam") is told to the caller (on_complaint), which hands it to the receiving host's provider
// policy. What was drawn is the truth a report compares the relay's tracking with.
//
// Runs on its own io thread; offer() only copies the facts into a bounded queue (a full queue
// counts the message as `dropped`, never blocks the fake MX). Every request has a deadline and
// a size cap; only http(s) URLs on loopback addresses are fetched (nothing leaves the machine).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fake-mx/placement/model/engagement_model.hpp"
#include "fake-mx/placement/model/placement.hpp"

namespace relaylab::placement {

// One recipient reported one message as spam.
struct Complaint {
    std::string provider;  // "" when the receiving host models none
    std::string host;      // the fake MX host that filed the message
    std::string from_domain;
    std::string recipient;
};

struct RecipientSimulatorConfig {
    EngagementModel model;
    std::filesystem::path ca_file;  // trusted for https (the run's test CA); empty: system roots
    std::size_t max_queued = 10'000;
    std::size_t max_parallel = 16;  // requests in flight
    std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
    // Called on the simulator's thread for every drawn complaint; must not block for long
    // (FakeMx::report_complaint takes one mutex). Empty: complaints are only counted.
    std::function<void(const Complaint&)> on_complaint;
};

// The facts of one accepted message the simulator needs (copied out of a ReceiverEvent).
struct DeliveredMessage {
    std::string message_key;  // X-Relaylab-Id, or the capture's id when absent
    std::string provider;     // "" when the receiving host models none
    Placement placement = Placement::inbox;
    std::vector<std::string> recipients;
    std::string content;  // the message as received (links and headers are read from it)
    // Last, so that brace-initialisation without them still reads as before.
    std::string host;         // the fake MX host that accepted it (for complaints)
    std::string from_domain;  // its RFC5322.From domain, "" when unknown (for complaints)
};

// Truth and outcomes so far. "done" counters count requests that got an HTTP answer.
struct EngagementTruth {
    std::uint64_t messages = 0;      // recipient-messages considered
    std::uint64_t delivered = 0;     // ... of them in the inbox or the spam folder (rates' base)
    std::uint64_t opens = 0;         // people who opened (images loaded or not)
    std::uint64_t image_loads = 0;   // opens whose client loaded the message's images (>= 1 image)
    std::uint64_t clicks = 0;        // people who clicked a link (a message without links: none)
    std::uint64_t unsubscribes = 0;  // one-click POSTs made
    std::uint64_t unsubscribes_done = 0;  // ... answered 2xx
    std::uint64_t scanned = 0;            // messages a link scanner fetched
    std::uint64_t requests = 0;           // HTTP requests attempted (refused URLs included)
    std::uint64_t requests_failed = 0;    // no answer, or not 2xx/3xx, or a refused URL
    std::uint64_t dropped = 0;       // recipient-messages not taken: queue full, or not running
    std::uint64_t no_one_click = 0;  // wanted to unsubscribe, message offered no one-click
    std::uint64_t complaints = 0;    // recipients who reported the message as spam
    std::uint64_t abandoned = 0;     // still queued or running when stop() gave up (total only)
    // Why requests failed: "not loopback", "HTTP 404", "timed out waiting for the response", ...
    std::map<std::string, std::uint64_t> failure_reasons;
};

struct Unsubscribed {
    std::string recipient;
    std::chrono::system_clock::time_point at;  // when the endpoint answered 2xx
};

class RecipientSimulator {
  public:
    explicit RecipientSimulator(RecipientSimulatorConfig config);
    ~RecipientSimulator();  // stop(0): call stop() first to let the work finish
    RecipientSimulator(const RecipientSimulator&) = delete;
    RecipientSimulator& operator=(const RecipientSimulator&) = delete;

    // Throws std::runtime_error when config.ca_file cannot be read.
    void start();
    // Waits up to `drain` for queued and running work to finish, then stops.
    void stop(std::chrono::milliseconds drain = std::chrono::seconds(10));
    void offer(DeliveredMessage message);  // thread-safe, never blocks

    EngagementTruth truth() const;
    std::vector<Unsubscribed> unsubscribed() const;
    // {"messages", "opens", ..., "open_rate", "click_rate", "failure_reasons": {...},
    //  "by_provider": {"gmail": {...}, "none": {...}}} for report.json.
    nlohmann::json to_json() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::placement
