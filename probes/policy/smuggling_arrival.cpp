#include "probes/policy/smuggling_arrival.hpp"

#include "probes/common/transcript.hpp"

namespace relaylab::probe {

SmugglingArrival find_smuggling_arrival(const std::vector<std::string>& connections,
                                        const SmugglingMessage& message) {
    SmugglingArrival arrival;
    for (std::size_t i = 0; i < connections.size(); ++i) {
        const std::string& raw = connections[i];
        auto header = raw.find(message.header);
        if (header == std::string::npos) continue;
        arrival.arrived = true;
        const std::string where = "sink: connection " + std::to_string(i + 1);
        auto begin = raw.find(message.begin_marker, header);
        if (begin == std::string::npos) {
            arrival.evidence.push_back(where + ": " + message.header + ", begin marker not found");
            return arrival;
        }
        begin += message.begin_marker.size();
        auto after = raw.find(message.after_marker, begin);
        if (after == std::string::npos) {
            arrival.evidence.push_back(where + ": " + message.header + ", NOOP line not found");
            return arrival;
        }
        arrival.forwarded = raw.substr(begin, after - begin);
        arrival.evidence.push_back(where + ": " + message.header);
        arrival.evidence.push_back(
            where + ": ..." + message.begin_marker.substr(message.begin_marker.rfind(' ') + 1) +
            visible_bytes(*arrival.forwarded) + message.after_marker);
        return arrival;
    }
    return arrival;
}

}  // namespace relaylab::probe
