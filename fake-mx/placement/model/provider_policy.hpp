// A large mailbox provider's published sender requirements as data, and the judge that applies
// them to one message at end of data: authentication for everyone (SPF or DKIM), forward-
// confirmed reverse DNS of the sending IP, TLS; SPF and DKIM and aligned DMARC, and RFC 8058
// one-click unsubscribe for bulk senders; the From domain's DMARC policy; spam score thresholds;
// volume per sending domain or client IP; the rate of users' spam complaints per sending domain.
// The answer is a placement (inbox, spam, rejected,
// deferred) with the reply such a provider sends. Presets (scenarios/behaviours/gmail.json,
// yahoo.json, outlook.json) fill this from a behaviour's "provider" key (behaviour_parser.cpp).
//
// Sans-I/O: the shell (fake-mx/receiver/fake_mx.cpp) gathers the facts (verdicts, FCrDNS,
// List-Unsubscribe, spamd's score) and passes the time in, so tests drive windows without
// sleeping.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fake-mx/placement/model/list_unsubscribe.hpp"
#include "fake-mx/placement/model/placement.hpp"
#include "harness/net/bounded_lru.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::placement {

// What a receiver does when a requirement is not met: a reply at end of data (4xx defers,
// 5xx rejects), or, without one, the message is accepted and filed in the spam folder.
struct PolicyAction {
    std::optional<smtp::Reply> reply;  // may hold {client_ip} and {from_domain}

    static PolicyAction spam_folder() { return {}; }
    static PolicyAction refuse(smtp::Reply r) { return PolicyAction{std::move(r)}; }
};

// The checks a provider makes; each one failed leads to its action in PolicyActions.
struct Requirements {
    bool spf_or_dkim = false;  // at least one passes (Gmail: every sender since Feb 2024)
    bool spf = false;          // SPF pass
    bool dkim = false;         // a DKIM signature passes
    bool dmarc = false;        // DMARC pass: SPF or DKIM aligned with the From domain
    bool fcrdns = false;       // PTR of the client IP whose name resolves back to it
    bool tls = false;          // the message came over TLS
    bool one_click = false;    // RFC 8058 List-Unsubscribe-Post, DKIM-covered
};

struct PolicyActions {
    PolicyAction spf_or_dkim;
    PolicyAction spf;
    PolicyAction dkim;
    PolicyAction dmarc;
    PolicyAction fcrdns;
    PolicyAction fcrdns_unknown;  // the PTR or forward lookup failed (SERVFAIL, timeout)
    PolicyAction tls;
    PolicyAction one_click;
    PolicyAction dmarc_reject;      // DMARC fail under the From domain's p=reject
    PolicyAction dmarc_quarantine;  // DMARC fail under p=quarantine
    PolicyAction spam_reject;       // spam score at or above SpamThresholds::reject_at
};

enum class VolumeKey {
    from_domain,  // the RFC5322.From domain (Gmail's "sending domain")
    client_ip,    // the connecting IP (Yahoo's TSS04, Outlook's 4.7.650)
};
std::string_view to_string(VolumeKey key);

// At most `max` accepted messages per `window` per key; beyond that the reply (421 4.7.28).
// Fixed windows: the first message after a window has passed starts a new one.
struct VolumeRule {
    VolumeKey per = VolumeKey::from_domain;
    std::uint64_t max = 0;
    std::chrono::seconds window{24 * 3600};
    smtp::Reply reply;
};

// Users' "report spam" clicks per From domain: Gmail and Yahoo (Feb 2024) ask bulk senders to
// keep the user-reported spam rate below 0.3 % and rate-limit or spam-folder mail beyond it.
// The rate is complaints over recipient-messages the domain had filed in the inbox within one
// fixed window (the first event after the window has passed starts a new one); it is judged
// only once min_messages were filed, so that one complaint about a tiny sender means nothing.
struct ComplaintRule {
    double max_rate = 0.003;            // judged as "rate > max_rate"
    std::uint64_t min_messages = 1000;  // inbox recipient-messages in the window before judging
    std::chrono::seconds window{24 * 3600};
    PolicyAction action;  // default_complaint_rule(): Gmail's 421 4.7.28
};

// Gmail's figures and reply (421 4.7.28 "unusual rate of unsolicited mail ... your domain").
ComplaintRule default_complaint_rule();

struct SpamThresholds {
    // Spam folder at this score; unset: at the filter's own threshold (spamd's required_score).
    std::optional<double> folder_at;
    std::optional<double> reject_at;  // refused with actions.spam_reject; unset: never
};

struct ProviderPolicy {
    std::string provider;  // "gmail", for captures and reports
    // A From domain that sent at least this many accepted messages within bulk_window is a bulk
    // sender from then on (Gmail: 5000 a day, and "permanently"; here while the judge's table
    // remembers the domain). 0: every sender is held to the bulk requirements.
    std::uint64_t bulk_threshold = 5000;
    std::chrono::seconds bulk_window{24 * 3600};
    Requirements all;   // every sender
    Requirements bulk;  // bulk senders, in addition
    // DMARC fail is refused or spam-foldered as the From domain's policy says (p=, sp=, pct=).
    bool enforce_dmarc_policy = true;
    SpamThresholds spam;
    std::vector<VolumeRule> volume;
    std::optional<ComplaintRule> complaints;  // unset: complaints are not judged
    PolicyActions actions;
};

// A policy with nothing required and no reply set: what "provider": {} means before its keys
// are read. Actions default to Gmail's replies so that a policy naming only requirements still
// answers like a real receiver.
ProviderPolicy default_provider_policy();

// The message's authentication verdicts as RFC 8601 words ("pass", "fail", "none", ...);
// dmarc_policy is the policy that applies to this message ("none", "quarantine", "reject").
struct AuthWords {
    std::string_view spf;
    std::string_view dkim;
    std::string_view dmarc;
    std::string_view dmarc_policy;
};

struct MessageFacts {
    AuthWords auth;
    std::string_view from_domain;  // "" when the From field has no (or several) domains
    std::string_view client_ip;
    bool tls = false;
    std::optional<bool> fcrdns;  // nullopt: not looked up, or the lookup failed
    const ListUnsubscribe* list_unsubscribe = nullptr;  // null: not read (treated as absent)
    const SpamScore* spam = nullptr;                    // null: not scored
};

struct PolicyDecision {
    Placement placement = Placement::inbox;
    std::optional<smtp::Reply> reply;  // set for rejected and deferred, placeholders filled
    std::string reason;                // "bulk sender: DKIM did not pass (dkim=none)"
    bool bulk = false;                 // the From domain counts as a bulk sender
};

// Without a provider policy: inbox, or spam when the filter scored at or above its threshold.
PolicyDecision default_placement(const SpamScore* spam);

// Applies one ProviderPolicy and keeps its volume windows. Thread-safe (one mutex: a decision
// per message is rare next to the bytes a session moves). Tables are bounded: beyond
// max_tracked_entries keys the least recently used is forgotten (a forgotten bulk sender is
// new again, as the greylist forgets a triplet).
class ProviderJudge {
  public:
    using Clock = std::chrono::steady_clock;

    ProviderJudge(ProviderPolicy policy, std::size_t max_tracked_entries);

    const ProviderPolicy& policy() const { return policy_; }

    // Checks in the order a receiver pays for them: volume (a deferral costs nothing), the
    // connection (FCrDNS, TLS), authentication, the From domain's DMARC policy, the bulk
    // requirements, then the spam score. A reply ends the checks; a spam-folder action is noted
    // and the checks go on, so a later refusal still wins.
    PolicyDecision judge(const MessageFacts& facts, Clock::time_point now);

    // Call for every message accepted (inbox or spam): counts toward volume and bulk status,
    // and, filed in the inbox, its `recipients` toward the complaint rate's base. Apart from
    // judge() because the shell may still refuse (its accept limit).
    void message_accepted(const MessageFacts& facts, Clock::time_point now,
                          Placement placement = Placement::inbox, std::uint64_t recipients = 1);

    // A recipient reported a message from `from_domain` as spam (the simulated recipients, via
    // the shell). Counts in the domain's complaint window; without a complaint rule: ignored.
    void complaint(std::string_view from_domain, Clock::time_point now);

    std::size_t tracked_entries() const;

  private:
    struct Window {
        Clock::time_point start{};
        std::uint64_t count = 0;
    };
    struct DomainState {
        Window bulk;
        bool bulk_sender = false;
    };
    // One fixed window shared by both counts, so the rate compares like with like.
    struct ComplaintWindow {
        Clock::time_point start{};
        std::uint64_t inbox = 0;
        std::uint64_t complaints = 0;
    };
    static ComplaintWindow& renew(ComplaintWindow& window, std::chrono::seconds length,
                                  Clock::time_point now);
    static std::uint64_t current(const Window& window, std::chrono::seconds length,
                                 Clock::time_point now);
    static void add(Window& window, std::chrono::seconds length, Clock::time_point now);
    std::string volume_key(std::size_t rule, const MessageFacts& facts) const;

    ProviderPolicy policy_;
    mutable std::mutex mutex_;
    net::BoundedLru<DomainState> domains_;
    net::BoundedLru<Window> volume_;               // key: rule index, '|', domain or IP
    net::BoundedLru<ComplaintWindow> complaints_;  // key: lower-case From domain
};

}  // namespace relaylab::placement
