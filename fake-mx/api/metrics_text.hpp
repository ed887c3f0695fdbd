// GET /metrics of the fake MX: the Prometheus text exposition format 0.0.4, written with the
// shared rules of harness/http/prometheus.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "fake-mx/capture/capture_store.hpp"
#include "harness/http/prometheus.hpp"

namespace relaylab::fakemx::api {

inline constexpr std::string_view metrics_content_type = http::prometheus_content_type;

// The store's counters and gauges, then every number (and boolean, as 0/1) in `server_stats`
// as relaylab_fakemx_server_<path_joined_by_underscores>, names sanitized to [a-zA-Z0-9_].
// An array of objects (the per-host stats) gives one sample per element, labelled with the
// element's "host" (or its index): relaylab_fakemx_server_hosts_messages{host="mx1.test"} 5.
std::string metrics_text(const capture::StoreCounts& counts, const nlohmann::json& server_stats);

}  // namespace relaylab::fakemx::api
