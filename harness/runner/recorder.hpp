// The run's memory: every event of the load generator (submitted, accepted, failed) and of the
// fake MX hosts (accepted, refused, dropped) lands here and is folded into counters, bounded
// histograms and a bounded timeline, from which report.json's measured parts are built at any
// moment (each second for the progress line and the dashboard, once at the end).
//
// Arrivals are tied to submissions by the X-Relaylab-Id "<run_id>-<n>": per message the
// recorder keeps 16 octets (intended time, recipients, arrived, bounced), so a 1,000,000-message
// run holds 16 MB here and nothing grows with message size. Thread-safe: the generator's
// thread and the fake MX io threads call in concurrently; one mutex, short critical sections.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake-mx/receiver/receiver_event.hpp"
#include "harness/load/latency_histogram.hpp"
#include "harness/load/load_events.hpp"
#include "harness/runner/deliverability_recorder.hpp"
#include "harness/runner/timeline.hpp"

namespace relaylab::runner {

struct RecorderConfig {
    std::string run_id;
    std::chrono::steady_clock::time_point start;
    bool open_loop = false;  // submit latency counts from the intended time
    // The domains each fake MX host serves: refusals before RCPT (at connect, HELO, MAIL) have
    // no recipient, so they are counted under the host's domain (or its name when it serves
    // several or none).
    std::map<std::string, std::vector<std::string>> host_domains;
    // Set when the scenario uses deliverability features (report.json's `deliverability`).
    std::optional<DeliverabilityConfig> deliverability;
};

// What the progress line and the drain loop need, cheaply.
struct RecorderCounts {
    std::uint64_t submitted = 0;
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::uint64_t delivered = 0;  // messages: every recipient arrived
    std::uint64_t bounced = 0;    // messages: a DSN reported a failed recipient
    std::uint64_t deferred = 0;   // temporary failures at receivers (per recipient)
    std::uint64_t duplicates = 0;
    std::uint64_t arrivals = 0;  // transactions captured (DSNs included)
    // Accepted messages not yet delivered or bounced.
    std::uint64_t unaccounted() const {
        return accepted > delivered + bounced ? accepted - delivered - bounced : 0;
    }
};

class Recorder {
  public:
    explicit Recorder(RecorderConfig config);

    // The factory made message n with these recipients (before it is sent).
    void on_message_made(std::uint64_t n, const std::vector<std::string>& recipients);
    void on_submission(const load::MessageEvent& event);
    void on_receiver(const fakemx::ReceiverEvent& event);

    RecorderCounts counts() const;
    // The measured parts of report.json: totals (without lost / in_flight, which need the
    // relay's queue: see finish_totals), throughput, latency_ms, domains, replies, failures,
    // auth, tls (receivers), hosts' accepted counts under "hosts_accepted".
    nlohmann::json measured(double elapsed_s) const;
    // report.json's `deliverability` (deliverability_recorder.hpp): null when the scenario
    // did not ask for it and no receiver modelled a provider or scored spam.
    nlohmann::json deliverability(const DeliverabilityInputs& inputs) const;
    // What a shard's report adds for `relaylab report merge` (report.json's `shard`): the raw
    // latency histograms in their compact form and when the last message was accepted and
    // delivered, in seconds from the start, so merged rates use the whole run's span.
    // {"histograms":{"submit":..,"end_to_end":..},"last_accept_s":..,"last_delivery_s":..}
    nlohmann::json shard_measures() const;

  private:
    struct MessageState {
        std::int64_t intended_us = -1;  // since start; -1: not submitted
        std::uint16_t recipients = 0;
        std::uint16_t arrived = 0;  // recipients captured at receivers
        std::uint16_t bounced = 0;  // recipients a DSN reported failed
        std::uint8_t flags = 0;
    };
    struct DomainStats {
        std::uint64_t recipients = 0;
        std::uint64_t delivered = 0;
        std::uint64_t deferred = 0;
        std::uint64_t bounced = 0;
        std::uint64_t attempts = 0;
        std::map<std::string, std::uint64_t> replies;
    };
    MessageState* state_locked(std::uint64_t n);
    double now_s() const;
    void count_reply_locked(const std::string& domain, const std::string& code,
                            std::uint64_t recipients);
    void on_arrival_locked(const fakemx::ReceiverEvent& event, double at_s);
    void on_dsn_locked(const fakemx::ReceiverEvent& event, double at_s);
    std::string refusal_domain(const std::string& host) const;

    const RecorderConfig config_;
    mutable std::mutex mutex_;
    // Always there (a behaviour file may model a provider the scenario does not name); its
    // section is reported when configured or when it saw one.
    DeliverabilityRecorder deliverability_;
    std::deque<MessageState> messages_;  // index n - 1
    RecorderCounts counts_;
    Timeline timeline_;
    load::LatencyHistogram submit_latency_;
    load::LatencyHistogram end_to_end_latency_;
    std::map<std::string, DomainStats> domains_;
    std::map<std::string, std::uint64_t> submission_replies_;
    std::map<std::string, std::uint64_t> submission_failures_;
    std::map<std::string, std::uint64_t> receiver_replies_;
    std::map<std::string, std::map<std::string, std::uint64_t>> auth_;  // spf → verdict → n
    std::map<std::string, std::uint64_t> tls_versions_;
    std::map<std::string, std::uint64_t> tls_ciphers_;
    std::map<std::string, std::uint64_t> hosts_accepted_;
    std::uint64_t foreign_arrivals_ = 0;  // no tracking id of this run
    std::uint64_t dsn_delayed_ = 0;
    double last_accept_s_ = 0;    // when the last submission was accepted (submit rate)
    double last_delivery_s_ = 0;  // when the last message was delivered (delivery rate)
};

}  // namespace relaylab::runner
