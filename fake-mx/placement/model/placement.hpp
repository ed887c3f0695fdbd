// Where a receiver files a message, and what a spam filter said about it: the words shared by
// the provider policies (provider_policy.hpp), the spamd client, the fake MX's capture and
// events, the simulated recipients and the report's `deliverability` section.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relaylab::placement {

enum class Placement {
    inbox,
    spam,      // accepted, filed in the spam folder
    rejected,  // a 5xx at end of data
    deferred,  // a 4xx at end of data (rate limits, temporary policy)
};
std::string_view to_string(Placement placement);

// A spam filter's opinion of one message (SpamAssassin's spamd, see spamd_protocol.hpp).
struct SpamScore {
    bool scored = false;             // false: not asked, or the filter failed (see error)
    double score = 0;                // SpamAssassin points
    double threshold = 0;            // the filter's own required_score (5.0 by default)
    std::vector<std::string> rules;  // rule names hit, as the filter reports them
    std::string error;               // why there is no score ("" when scored or not asked)
};

}  // namespace relaylab::placement
