#include "harness/dns/core/answer_cache.hpp"

#include <algorithm>

#include "harness/dns/core/message.hpp"

namespace relaylab::dns {

std::optional<Answer> AnswerCache::get(const std::string& name, RrType type,
                                       Clock::time_point now) {
    auto it = entries_.find({normalize_name(name), static_cast<std::uint16_t>(type)});
    if (it == entries_.end()) return std::nullopt;
    if (now >= it->second.expires) {
        entries_.erase(it);
        return std::nullopt;
    }
    Answer answer = it->second.answer;
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - it->second.stored);
    auto age = static_cast<std::uint32_t>(std::max<std::int64_t>(0, elapsed.count()));
    answer.ttl = answer.ttl > age ? answer.ttl - age : 0;
    for (auto& record : answer.records)
        record.ttl = record.ttl > age ? record.ttl - age : 0;
    answer.from_cache = true;
    return answer;
}

void AnswerCache::put(const std::string& name, RrType type, const Answer& answer,
                      Clock::time_point now) {
    if (max_entries_ == 0 || answer.ttl == 0) return;
    if (answer.status != Status::ok && answer.status != Status::nxdomain &&
        answer.status != Status::nodata) {
        return;
    }
    make_room(now);
    auto ttl = std::chrono::seconds(std::min(answer.ttl, max_cache_ttl_s));
    entries_[{normalize_name(name), static_cast<std::uint16_t>(type)}] =
        Entry{answer, now, now + ttl};
}

void AnswerCache::make_room(Clock::time_point now) {
    if (entries_.size() < max_entries_) return;
    std::erase_if(entries_, [now](const auto& item) { return now >= item.second.expires; });
    // Still full: drop the entry closest to expiry, the one losing least.
    while (entries_.size() >= max_entries_) {
        auto victim = std::min_element(
            entries_.begin(), entries_.end(),
            [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
        entries_.erase(victim);
    }
}

}  // namespace relaylab::dns
