#include "probes/auth/dkim_key_cache.hpp"

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace relaylab::auth {
namespace {

// A bounded LRU map from octets to a value, shared across threads.
template <typename Value, std::size_t Capacity>
class LruCache {
  public:
    std::optional<Value> find(std::string_view id) {
        std::lock_guard lock(mutex_);
        auto it = index_.find(id);
        if (it == index_.end()) {
            ++stats_.misses;
            return std::nullopt;
        }
        ++stats_.hits;
        order_.splice(order_.begin(), order_, it->second);  // now the most recent
        return it->second->second;
    }

    void insert(std::string id, const Value& value) {
        std::lock_guard lock(mutex_);
        if (index_.count(id) != 0) return;  // another thread decoded it meanwhile
        order_.emplace_front(std::move(id), value);
        index_.emplace(order_.front().first, order_.begin());
        if (order_.size() > Capacity) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
    }

    PublicKeyCacheStats stats() {
        std::lock_guard lock(mutex_);
        PublicKeyCacheStats out = stats_;
        out.size = order_.size();
        return out;
    }

    void clear() {
        std::lock_guard lock(mutex_);
        index_.clear();
        order_.clear();
        stats_ = {};
    }

  private:
    std::mutex mutex_;
    std::list<std::pair<std::string, Value>> order_;  // most recent first
    std::unordered_map<std::string_view,
                       typename std::list<std::pair<std::string, Value>>::iterator>
        index_;  // views into order_'s strings, which do not move
    PublicKeyCacheStats stats_;
};

LruCache<PublicKey, max_cached_public_keys>& cache() {
    static LruCache<PublicKey, max_cached_public_keys> instance;
    return instance;
}

LruCache<KeyRecord, max_cached_key_records>& record_cache() {
    static LruCache<KeyRecord, max_cached_key_records> instance;
    return instance;
}

// The type is part of the identity: the same octets cannot be both, but a key record's k=
// decides how they are read.
std::string cache_id(KeyType type, std::string_view key_octets) {
    std::string id(1, type == KeyType::rsa ? 'r' : 'e');
    id.append(key_octets);
    return id;
}

}  // namespace

std::optional<PublicKey> cached_public_key(KeyType type, std::string_view key_octets) {
    return cache().find(cache_id(type, key_octets));
}

void cache_public_key(KeyType type, std::string_view key_octets, const PublicKey& key) {
    cache().insert(cache_id(type, key_octets), key);
}

PublicKeyCacheStats public_key_cache_stats() {
    return cache().stats();
}

void clear_public_key_cache() {
    cache().clear();
    record_cache().clear();
}

std::optional<KeyRecord> cached_key_record(std::string_view txt) {
    return record_cache().find(txt);
}

void cache_key_record(std::string_view txt, const KeyRecord& record) {
    record_cache().insert(std::string(txt), record);
}

PublicKeyCacheStats key_record_cache_stats() {
    return record_cache().stats();
}

}  // namespace relaylab::auth
