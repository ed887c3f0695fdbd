#include "fake-mx/dns-fixture/core/reply_cache.hpp"

namespace relaylab::dns::fixture {

namespace {
constexpr std::size_t id_octets = 2;  // RFC 1035 4.1.1: the ID leads the header
}

std::string ReplyCache::key(char transport_tag, std::span<const std::uint8_t> query) {
    scratch_.clear();
    scratch_.push_back(transport_tag);
    if (query.size() > id_octets) {
        scratch_.append(reinterpret_cast<const char*>(query.data()) + id_octets,
                        query.size() - id_octets);
    }
    return scratch_;
}

const CachedReply* ReplyCache::find(char transport_tag, std::span<const std::uint8_t> query) {
    if (entries_.empty()) return nullptr;
    auto it = entries_.find(key(transport_tag, query));
    return it == entries_.end() ? nullptr : &it->second;
}

void ReplyCache::insert(char transport_tag, std::span<const std::uint8_t> query,
                        CachedReply reply) {
    std::size_t cost = query.size() + reply.wire.size() + reply.name.size() + 64;
    if (cost > max_octets_ || reply.wire.size() < id_octets) return;
    if (entries_.size() >= max_entries_ || octets_ + cost > max_octets_) {
        entries_.clear();
        octets_ = 0;
    }
    if (entries_.emplace(key(transport_tag, query), std::move(reply)).second) octets_ += cost;
}

}  // namespace relaylab::dns::fixture
