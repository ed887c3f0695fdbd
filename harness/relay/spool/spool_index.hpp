// What the spool knows in memory: every live message (its envelope and state, never its body)
// with where its latest message record lives, and per segment how many live messages pin it.
// Replay builds it; afterwards only the writer thread changes it (under Spool's shared_mutex),
// so the order of changes is the order of records on disk.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "harness/relay/spool/spool.hpp"

namespace relaylab::relay {

struct MessageLocation {
    std::uint64_t segment = 0;
    std::uint64_t record_offset = 0;  // of the frame in the segment file
    std::uint64_t record_size = 0;    // frame header + payload
    std::uint64_t body_offset = 0;    // of the body in the segment file (size: body_size)
};

struct IndexedMessage {
    SpoolMessage message;
    MessageLocation location;
};

struct SegmentUsage {
    std::uint64_t size = 0;         // octets of records in the file
    std::uint64_t live_bytes = 0;   // of message records still live
    std::size_t live_messages = 0;  // messages whose latest message record is here
};

// Lets the map be searched with a string_view (no std::string made per lookup).
struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
};
using MessageMap = std::unordered_map<std::string, IndexedMessage, IdHash, std::equal_to<>>;

class SpoolIndex {
  public:
    // A message record: a new message, or a later copy replacing the earlier one.
    void put(SpoolMessage message, const MessageLocation& location);
    // A state record; false when the id is not live (finished, or its record was lost).
    bool apply_state(std::string_view id, std::uint32_t attempts, std::int64_t next_attempt_ms,
                     std::vector<SpoolRecipient> recipients);
    // A finished record; false when the id is not live.
    bool erase(std::string_view id);

    // A record ends at `end` in segment `number` (the segment becomes known if it was not).
    void note_record(std::uint64_t number, std::uint64_t end);
    void drop_segment(std::uint64_t number);

    const IndexedMessage* find(std::string_view id) const;
    const MessageMap& messages() const { return messages_; }
    const std::map<std::uint64_t, SegmentUsage>& segments() const { return segments_; }

  private:
    void unpin(const MessageLocation& location);

    MessageMap messages_;
    std::map<std::uint64_t, SegmentUsage> segments_;
};

}  // namespace relaylab::relay
