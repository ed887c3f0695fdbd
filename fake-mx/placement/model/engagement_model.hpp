// How simulated recipients behave, per mailbox provider and placement: the share that opens
// (and so loads images, unless the client blocks them), clicks, unsubscribes, reports the message
// as spam; the share of
// mail a provider's link scanner pre-fetches. Every draw comes from (seed, message, recipient),
// never from a shared generator, so a run's truth does not depend on timing or threads.
// Defaults follow the figures the project's seed quotes: opens 15-22 %, clicks 2-5 % of
// delivered mail, with spam-foldered mail rarely opened.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fake-mx/placement/model/placement.hpp"

namespace relaylab::placement {

struct EngagementRates {
    // P(open) of a message in the inbox / in the spam folder.
    double open_inbox = 0.20;
    double open_spam = 0.01;
    // P(click) of a delivered message (so click <= open: a clicker has opened).
    double click_inbox = 0.03;
    double click_spam = 0.0;
    // P(one-click unsubscribe) of an opened message that offers it.
    double unsubscribe = 0.0;
    // P(the recipient's client does not load images): an open the pixel never sees.
    double image_blocking = 0.0;
    // P(a security scanner fetches every link and image on arrival): opens and clicks that
    // no person made.
    double link_scanner = 0.0;
    // P(the recipient reports the message as spam | it is in the inbox): the provider's
    // "user-reported spam rate" (Gmail and Yahoo ask bulk senders to stay below 0.3 %). Drawn
    // apart from the open, as a provider counts a report from the message list too. Spam-folder
    // mail draws none: a complaint is about mail that reached the inbox.
    double complaint = 0.0;
};

struct EngagementModel {
    std::uint64_t seed = 1;
    EngagementRates defaults;
    std::map<std::string, EngagementRates> providers;  // by provider name ("gmail")

    const EngagementRates& rates_for(std::string_view provider) const;
};

// What one recipient does with one message: decided up front, acted out by the simulator.
struct EngagementDraw {
    bool opens = false;
    bool loads_images = false;  // opens and images are not blocked
    bool clicks = false;
    bool unsubscribes = false;
    bool scanned = false;    // a link scanner fetches everything first
    bool complains = false;  // reports it as spam (inbox only)
};

// The key of one (seed, message, recipient): FNV-1a over the strings, mixed by splitmix64.
// Never std::hash, which differs between standard libraries.
std::uint64_t engagement_key(std::uint64_t seed, std::string_view message_key,
                             std::string_view recipient);
// A uniform double in [0, 1) from `key`, one independent stream per decision. Streams 1-15 are
// the model's own (open, images, click, unsubscribe, scanner, complaint); callers that need more
// draws for the same recipient (which link is clicked) use 16 and above.
double engagement_uniform(std::uint64_t key, std::uint64_t stream);

// `message_key`: the message's tracking id (X-Relaylab-Id) or another stable id.
EngagementDraw draw_engagement(const EngagementModel& model, std::string_view provider,
                               Placement placement, std::string_view message_key,
                               std::string_view recipient);

}  // namespace relaylab::placement
