// report.json's document (schema relaylab.report/1, reports/report.schema.json) from what the
// run knows: the scenario, where things ran, the recorder's measurements and, at the end, the
// relay's queue (lost = accepted messages neither delivered, bounced nor still queued).
// Expectations are judged on this document, then added to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/scenario/scenario.hpp"

namespace relaylab::runner {

struct RunFacts {
    std::string run_id;
    std::string started_at;  // RFC 3339, UTC, milliseconds
    double duration_s = 0;
    std::string relay_kind;                           // "builtin" | "external"
    std::string relay_address;                        // where the load went
    nlohmann::json world = nlohmann::json::object();  // RunWorld::describe()
    // Messages the relay still held at the end; nullopt when it cannot be known (external).
    std::optional<std::uint64_t> relay_queue_depth;
    nlohmann::json submission_tls = nlohmann::json::object();  // version → connections
    nlohmann::json relay_stats;        // RunWorld::relay_stats(): the builtin relay's own counts
    std::optional<std::string> error;  // the run broke: why
    // report.json's `deliverability` (Recorder::deliverability); null: the section is left out.
    nlohmann::json deliverability;
    // A shard's report.json `shard` section ({"index","count",...}); null: not a sharded run.
    // `traffic` then shows the shard's part (its messages, connections and rate share).
    nlohmann::json shard;
    // --send-only: deliveries are someone else's to observe (the receivers, read by `relaylab
    // report merge`), so accepted messages not seen arrive are in flight, not lost.
    bool send_only = false;
};

// Whether a scenario asks for report.json's `deliverability` section: spam scoring, simulated
// recipients, the builtin relay's unsubscribe, tracking or quotas, or a provider preset on a
// fake MX host. (A behaviour file with a provider shows itself in the events: the recorder
// adds the section when it sees one.)
bool uses_deliverability(const scenario::Scenario& scenario);

nlohmann::json build_report(const scenario::Scenario& scenario, const RunFacts& facts,
                            const nlohmann::json& measured);

// Judges scenario.expect on `report` and stores "expectations" and "passed" in it (a run that
// broke never passes). Returns whether every expectation held.
bool judge_expectations(const scenario::Scenario& scenario, nlohmann::json& report);

}  // namespace relaylab::runner
