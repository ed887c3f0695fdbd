// Recovery at start-up: reads every segment in order and rebuilds the index (spool.hpp's opening
// comment is the contract). Cuts a torn tail off the newest segment; copies a segment with a
// corrupt record to quarantine/, still recovers every record of it that can be read, and
// rewrites the segment with those records only (temporary file, fsync, rename), so the damage
// is reported once, not at every start.
#pragma once

#include <cstdint>
#include <filesystem>

#include "harness/relay/spool/spool.hpp"
#include "harness/relay/spool/spool_index.hpp"

namespace relaylab::relay {

struct ReplayResult {
    SpoolIndex index;
    RecoveryReport report;         // messages filled in, oldest (smallest id) first
    std::uint64_t largest_id = 0;  // of every id replayed, finished ones too (new_id() goes above)
    std::uint64_t next_segment = 1;
};

// `segments_dir` and `quarantine_dir` exist. Throws SpoolError when a segment cannot be read.
ReplayResult replay_segments(const std::filesystem::path& segments_dir,
                             const std::filesystem::path& quarantine_dir);

// The numeric value of an id made by new_id() (16 hex digits); 0 for any other id.
std::uint64_t id_value(std::string_view id);

}  // namespace relaylab::relay
