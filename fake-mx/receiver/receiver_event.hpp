// What a fake MX host tells an observer (the scenario runner) as it happens: every message it
// accepted and every refusal or drop it gave, with enough facts to count outcomes per
// destination domain, tie arrivals to submissions and tally verdicts and TLS. Called on the
// host's io thread, synchronously: the observer must be quick and must not block. The views
// are valid during the call only.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "fake-mx/capture/captured_message.hpp"
#include "fake-mx/placement/model/placement.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::fakemx {

struct AuthSummary {
    std::string_view spf;  // "pass", "fail", "softfail", "none", ...
    std::string_view dkim;
    std::string_view dmarc;
    std::string_view arc;
};

// Where the host filed a message and why (issue 13: provider policies, spam scoring,
// List-Unsubscribe). Given for every message judged at end of data: accepted (inbox or spam)
// and refused there (rejected or deferred). A host without a provider policy files accepted
// mail in the inbox unless spamd scored it at or above its threshold.
struct PlacementSummary {
    std::string_view provider;  // the policy's provider ("gmail"); "" when the host models none
    placement::Placement placement = placement::Placement::inbox;
    std::string_view reason;  // "spam score 7.3 >= 5", "volume: 100 per 1d per sending domain"
    const placement::SpamScore* spam = nullptr;  // null: not scored
    bool list_unsubscribe = false;               // a List-Unsubscribe field
    bool one_click = false;                      // RFC 8058 one-click, DKIM-covered
    std::string_view from_domain;                // RFC5322.From domain (volume, reports)
};

struct ReceiverEvent {
    enum class Kind {
        accepted,  // end of data, captured (also when the behaviour then dropped the reply)
        refused,   // a 4xx/5xx reply at any phase
        dropped,   // the connection was closed instead of a reply (not at end of data)
    };
    Kind kind = Kind::accepted;
    smtp::Phase phase = smtp::Phase::data_end;
    std::string_view host;  // the fake MX host's name
    unsigned code = 0;      // the reply's code (250 for accepted, 0 when dropped)
    std::string_view mail_from;
    // accepted / refused at end of data: the envelope's recipients; refused at RCPT: the one
    // refused; other phases: none.
    std::span<const std::string> recipients;
    std::string_view content;  // accepted: the message as received
    const capture::TlsFacts* tls = nullptr;
    const AuthSummary* auth = nullptr;            // accepted and judged
    const PlacementSummary* placement = nullptr;  // judged at end of data (see above)
};

using ReceiverObserver = std::function<void(const ReceiverEvent&)>;

}  // namespace relaylab::fakemx
