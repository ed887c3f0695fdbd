// The JSON shapes of captured messages and sessions, as the HTTP API and reports show them.
// Field names are part of the public API (see docs/fake-mx-api.md): add, never rename.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "fake-mx/capture/capture_store.hpp"

namespace relaylab::fakemx::capture {

// The list entry: id, from, to, subject, tracking_id, received_at, size, tls, auth, host, ...
nlohmann::json message_summary_json(const CapturedMessage& message);
// Every fact: the summary plus envelope with parameters, findings, session, header fields.
nlohmann::json message_detail_json(const MessageDetail& detail);
nlohmann::json session_json(const SessionRecord& session);
nlohmann::json counts_json(const StoreCounts& counts);
// GET /api/v1/tracking: run_id, messages, distinct, duplicates, ranges ([[first, last], ...]),
// ranges_truncated, other, duplicated.
nlohmann::json tracking_coverage_json(const TrackingCoverage& coverage);

// The shell's opaque verdict text as JSON; text that is not JSON is kept as a string so that
// one bad verdict cannot break a whole listing.
nlohmann::json auth_verdicts_json(std::string_view text);

// Serializes without throwing on invalid UTF-8 (subjects and HELO names are client input):
// such bytes become U+FFFD.
std::string dump_json(const nlohmann::json& value);

}  // namespace relaylab::fakemx::capture
