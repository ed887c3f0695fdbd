#include "harness/relay/spool/spool_index.hpp"

#include <algorithm>

namespace relaylab::relay {

void SpoolIndex::put(SpoolMessage message, const MessageLocation& location) {
    note_record(location.segment, location.record_offset + location.record_size);
    auto found = messages_.find(std::string_view(message.id));
    if (found != messages_.end()) {
        unpin(found->second.location);
        found->second = IndexedMessage{std::move(message), location};
    } else {
        std::string id = message.id;
        messages_.emplace(std::move(id), IndexedMessage{std::move(message), location});
    }
    SegmentUsage& usage = segments_[location.segment];
    usage.live_bytes += location.record_size;
    usage.live_messages += 1;
}

bool SpoolIndex::apply_state(std::string_view id, std::uint32_t attempts,
                             std::int64_t next_attempt_ms, std::vector<SpoolRecipient> recipients) {
    auto found = messages_.find(id);
    if (found == messages_.end()) return false;
    SpoolMessage& message = found->second.message;
    message.attempts = attempts;
    message.next_attempt_ms = next_attempt_ms;
    message.recipients = std::move(recipients);
    return true;
}

bool SpoolIndex::erase(std::string_view id) {
    auto found = messages_.find(id);
    if (found == messages_.end()) return false;
    unpin(found->second.location);
    messages_.erase(found);
    return true;
}

void SpoolIndex::note_record(std::uint64_t number, std::uint64_t end) {
    SegmentUsage& usage = segments_[number];
    usage.size = std::max(usage.size, end);
}

void SpoolIndex::drop_segment(std::uint64_t number) {
    segments_.erase(number);
}

const IndexedMessage* SpoolIndex::find(std::string_view id) const {
    auto found = messages_.find(id);
    return found == messages_.end() ? nullptr : &found->second;
}

void SpoolIndex::unpin(const MessageLocation& location) {
    auto segment = segments_.find(location.segment);
    if (segment == segments_.end()) return;
    segment->second.live_bytes -= std::min(segment->second.live_bytes, location.record_size);
    if (segment->second.live_messages > 0) segment->second.live_messages -= 1;
}

}  // namespace relaylab::relay
