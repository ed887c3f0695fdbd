// report.json's latency_ms entries from a latency histogram: the summary (count, mean and
// nearest-rank percentiles in milliseconds) and the coarse 1-2-5 buckets the HTML report
// charts. Shared by the recorder (one run) and `relaylab report merge` (shards' histograms
// added together), so a merged report prints its latencies exactly as a single run would.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/load/latency_histogram.hpp"

namespace relaylab::runner {

// {"count","mean","p50","p90","p99","p999","max"}, milliseconds with two decimals.
nlohmann::json summary_json(const load::LatencyHistogram& h);

// The histogram in 1-2-5 buckets from 0.1 ms to one hour: [{"le": ms, "count": n}], empty
// buckets before the first and after the last sample left out, those between kept (a chart
// needs the gaps).
nlohmann::json coarse_buckets(const load::LatencyHistogram& h);

}  // namespace relaylab::runner
