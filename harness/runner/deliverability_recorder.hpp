// report.json's `deliverability` section (issue 13): where receivers filed the run's mail per
// mailbox provider, what spamd thought of it, how much of it offered (one-click) unsubscribe,
// how many opens and clicks the relay's tracking measured against what the simulated recipients
// really did, mail that kept coming after an unsubscribe, quota deferrals, and the recipients'
// spam complaints against the inbox mail they were about.
//
// Fed by the Recorder under its lock (not thread-safe by itself): every fake MX event with a
// PlacementSummary, and each accepted submission's start time. The end of the run joins that
// with the relay's engagement counters and the simulator's truth (DeliverabilityInputs).
//
// Memory: counters per provider and per spam rule (bounded), plus, only when recipients are
// simulated (the one thing that can unsubscribe), 4 octets per message for its start time and
// 16 per arrived recipient-message up to `max_tracked_arrivals` (a 1,000,000-message run holds
// about 20 MB); arrivals past the cap are counted as not checked, never silently dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake-mx/placement/net/recipient_simulator.hpp"
#include "fake-mx/receiver/receiver_event.hpp"

namespace relaylab::runner {

struct DeliverabilityConfig {
    // The domains each fake MX host serves: a host that models no provider is reported under
    // its domain when it serves exactly one, else under "(none)".
    std::map<std::string, std::vector<std::string>> host_domains;
    // Keep each arrival's (recipient, message) for sent_after_unsubscribe: only worth its
    // memory when simulated recipients can unsubscribe.
    bool track_arrivals = false;
    std::size_t max_tracked_arrivals = 4'000'000;
    std::size_t max_rules = 2'000;  // distinct spam rule names kept; the rest go to "(other)"
    std::size_t top_rules = 10;
};

// What the end of the run adds to the recorder's counts.
struct DeliverabilityInputs {
    // RelayEngine::engagement_stats() ({"unsubscribe", "tracking", "quotas"}, each present when
    // configured); null for an external relay (its tracking cannot be read: not measured).
    nlohmann::json relay_engagement;
    std::optional<placement::EngagementTruth> truth;    // the simulated recipients, when any
    std::vector<placement::Unsubscribed> unsubscribed;  // ... and who unsubscribed when
    // The wall clock and the steady clock at the same instant: the run's start. Unsubscribe
    // times are wall-clock; submissions are steady-clock offsets from the start.
    std::chrono::system_clock::time_point wall_start;
};

class DeliverabilityRecorder {
  public:
    explicit DeliverabilityRecorder(DeliverabilityConfig config);

    // Message n's MAIL FROM went out `at_s` seconds after the run's start and it was accepted.
    void on_submission_accepted(std::uint64_t n, double at_s);
    // A fake MX event; `n` is the run's message number from its X-Relaylab-Id, when it has
    // one. Events without a placement (refusals before end of data) and DSNs are ignored.
    void on_receiver(const fakemx::ReceiverEvent& event, std::optional<std::uint64_t> n);

    // True once an event showed a provider policy or a spam score: the report then has the
    // section even when the scenario did not ask for it by name (a behaviour file with a
    // "provider").
    bool saw_deliverability() const { return saw_provider_or_spam_; }

    nlohmann::json to_json(const DeliverabilityInputs& inputs) const;

  private:
    struct ProviderCounts {
        std::uint64_t inbox = 0;
        std::uint64_t spam = 0;
        std::uint64_t rejected = 0;
        std::uint64_t deferred = 0;
    };
    std::string provider_name(const fakemx::ReceiverEvent& event) const;
    void count_spam(const placement::SpamScore& spam);
    std::uint64_t count_sent_after_unsubscribe(const DeliverabilityInputs& inputs) const;

    const DeliverabilityConfig config_;
    std::map<std::string, ProviderCounts> providers_;  // recipient-messages
    std::uint64_t delivered_ = 0;                      // recipient-messages in inbox or spam
    std::uint64_t accepted_messages_ = 0;              // transactions accepted with a placement
    std::uint64_t with_list_unsubscribe_ = 0;
    std::uint64_t with_one_click_ = 0;
    std::uint64_t scored_ = 0;
    std::uint64_t score_failed_ = 0;
    double score_sum_ = 0;
    std::map<std::string, std::uint64_t> rules_;
    std::uint64_t volume_deferrals_ = 0;     // receivers' 4xx at end of data for volume
    std::uint64_t inbox_ = 0;                // recipient-messages accepted into the inbox
    std::uint64_t complaint_deferrals_ = 0;  // ... refused for the complaint rate (4xx)
    bool saw_provider_or_spam_ = false;
    std::vector<float> started_s_;  // per message n - 1; < 0: not accepted (track_arrivals only)
    std::vector<std::pair<std::uint64_t, std::uint64_t>> arrivals_;  // (address hash, n)
    std::uint64_t untracked_arrivals_ = 0;
};

}  // namespace relaylab::runner
