#include "harness/load/load_events.hpp"

#include <algorithm>

namespace relaylab::load {

std::string_view to_string(EventKind kind) {
    switch (kind) {
        case EventKind::submitted:
            return "submitted";
        case EventKind::accepted:
            return "accepted";
        case EventKind::failed:
            return "failed";
    }
    return "unknown";
}

void LoadTotals::merge(const LoadTotals& other) {
    submitted += other.submitted;
    accepted += other.accepted;
    failed += other.failed;
    failed_after_content += other.failed_after_content;
    for (const auto& [key, n] : other.failed_by)
        failed_by[key] += n;
    for (const auto& [key, n] : other.outcomes)
        outcomes[key] += n;
    recipients_accepted += other.recipients_accepted;
    connections += other.connections;
    connect_failures += other.connect_failures;
    for (const auto& [key, n] : other.tls_versions)
        tls_versions[key] += n;
    if (endpoints.size() < other.endpoints.size()) endpoints.resize(other.endpoints.size());
    for (std::size_t i = 0; i < other.endpoints.size(); ++i) {
        endpoints[i].connections += other.endpoints[i].connections;
        endpoints[i].accepted += other.endpoints[i].accepted;
        endpoints[i].failed += other.endpoints[i].failed;
    }
    if (first_error.empty()) first_error = other.first_error;
    latency.merge(other.latency);
    elapsed_s = std::max(elapsed_s, other.elapsed_s);
    finished = finished && other.finished;
    cancelled = cancelled || other.cancelled;
}

}  // namespace relaylab::load
