// A map with a hard size cap that forgets the least recently used entry to make room. The
// per-client tables of the fake MX and the relay live in long-running servers fed by hostile
// peers: each new client IP or triplet must cost bounded memory, never an ever-growing table.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace relaylab::net {

template <typename Value>
class BoundedLru {
  public:
    explicit BoundedLru(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    // The entry for `key`, marked most recently used, or nullptr.
    Value* find(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return nullptr;
        order_.splice(order_.begin(), order_, it->second);
        return &it->second->second;
    }

    // Looks without changing the order (for reads that must not keep an entry alive).
    const Value* peek(const std::string& key) const {
        auto it = index_.find(key);
        return it == index_.end() ? nullptr : &it->second->second;
    }

    // The entry for `key`, created from `fresh` when absent (evicting the oldest when full).
    Value& get_or_insert(const std::string& key, Value fresh) {
        if (auto* found = find(key)) return *found;
        if (index_.size() >= capacity_) {
            index_.erase(order_.back().first);
            order_.pop_back();
            ++evictions_;
        }
        order_.emplace_front(key, std::move(fresh));
        index_.emplace(order_.front().first, order_.begin());
        return order_.front().second;
    }

    void erase(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return;
        order_.erase(it->second);
        index_.erase(it);
    }

    // Drops entries from the oldest end while `expired(value)` holds; cheap to call often.
    template <typename Expired>
    void trim_oldest(Expired&& expired) {
        while (!order_.empty() && expired(order_.back().second)) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
    }

    std::size_t size() const { return index_.size(); }
    std::size_t capacity() const { return capacity_; }
    std::size_t evictions() const { return evictions_; }

  private:
    using Entry = std::pair<std::string, Value>;
    std::size_t capacity_;
    std::list<Entry> order_;  // most recently used first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
    std::size_t evictions_ = 0;
};

}  // namespace relaylab::net
