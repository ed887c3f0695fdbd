#include "harness/net/connection_governor.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "harness/net/descriptor_limit.hpp"

namespace relaylab::net {

namespace {

constexpr double seconds_per_rate_window = 60.0;  // rates are per minute, as anvil's

void clear_below_prefix(std::array<std::uint8_t, 16>& bytes, unsigned prefix) {
    for (unsigned bit = prefix; bit < 128; ++bit) {
        bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
}

}  // namespace

ClientKey client_key(std::string_view address, ClientGrouping grouping) {
    ClientKey key;
    std::string text(address.substr(0, 64));
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        key.bytes[10] = key.bytes[11] = 0xff;
        std::memcpy(key.bytes.data() + 12, &v4, 4);
        clear_below_prefix(key.bytes, 96 + std::min(grouping.v4_prefix, 32u));
    } else if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        std::memcpy(key.bytes.data(), &v6, 16);
        bool mapped = std::all_of(key.bytes.begin(), key.bytes.begin() + 10,
                                  [](std::uint8_t b) { return b == 0; }) &&
                      key.bytes[10] == 0xff && key.bytes[11] == 0xff;
        clear_below_prefix(key.bytes, mapped ? 96 + std::min(grouping.v4_prefix, 32u)
                                             : std::min(grouping.v6_prefix, 128u));
    }
    return key;
}

std::string_view to_string(Refusal refusal) {
    switch (refusal) {
        case Refusal::none:
            return "none";
        case Refusal::server_full:
            return "server_full";
        case Refusal::client_connections:
            return "client_connections";
        case Refusal::client_rate:
            return "client_rate";
        case Refusal::descriptors:
            return "descriptors";
    }
    return "unknown";
}

std::size_t ConnectionGovernor::KeyHash::operator()(const ClientKey& key) const {
    // FNV-1a over the 16 bytes: keys come from the network, but the table is bounded anyway.
    std::uint64_t hash = 14695981039346656037ull;
    for (auto byte : key.bytes) {
        hash ^= byte;
        hash *= 1099511628211ull;
    }
    return static_cast<std::size_t>(hash);
}

ConnectionGovernor::ConnectionGovernor(GovernorLimits limits, DescriptorBudget* descriptors)
    : limits_(limits), descriptors_(descriptors) {
    if (limits_.max_per_client == static_cast<std::size_t>(-1)) {
        // Half of what this listener can really have: its own budget, or the process's
        // descriptor budget when that is smaller (a low RLIMIT_NOFILE).
        std::size_t budget = limits_.max_connections;
        if (descriptors_ && (budget == 0 || descriptors_->budget() < budget)) {
            budget = descriptors_->budget();
        }
        per_client_ = budget == 0 ? 0 : std::max<std::size_t>(1, budget / 2);
    } else {
        per_client_ = limits_.max_per_client;
    }
}

void ConnectionGovernor::refill(Client& client, Clock::time_point now) const {
    double capacity = limits_.max_rate_per_client;
    if (client.refilled == Clock::time_point{}) {
        client.tokens = capacity;
    } else if (now > client.refilled) {
        double elapsed = std::chrono::duration<double>(now - client.refilled).count();
        client.tokens =
            std::min(capacity, client.tokens + elapsed * capacity / seconds_per_rate_window);
    }
    client.refilled = now;
}

void ConnectionGovernor::forget_idle_clients(Clock::time_point now) {
    // Clients without a connection whose bucket is full again carry no information.
    for (auto it = clients_.begin(); it != clients_.end();) {
        if (it->second.active == 0) {
            refill(it->second, now);
            if (limits_.max_rate_per_client == 0 ||
                it->second.tokens >= limits_.max_rate_per_client) {
                it = clients_.erase(it);
                continue;
            }
        }
        ++it;
    }
    // Still full (a flood from many addresses): forget the rate history of idle clients too,
    // so memory stays bounded; their connection counts are kept, they are exact.
    if (clients_.size() >= limits_.max_tracked_clients) {
        std::erase_if(clients_, [](const auto& entry) { return entry.second.active == 0; });
    }
}

Refusal ConnectionGovernor::admit(const ClientKey& key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (limits_.max_connections != 0 && active_ >= limits_.max_connections) {
        return Refusal::server_full;
    }
    auto it = clients_.find(key);
    if (it == clients_.end()) {
        if (clients_.size() >= limits_.max_tracked_clients) forget_idle_clients(now);
        it = clients_.emplace(key, Client{}).first;
    }
    Client& client = it->second;
    auto forget_if_new = [&] {
        if (client.active == 0 && limits_.max_rate_per_client == 0) clients_.erase(it);
    };
    if (per_client_ != 0 && client.active >= per_client_) {
        return Refusal::client_connections;
    }
    if (limits_.max_rate_per_client != 0) {
        refill(client, now);
        if (client.tokens < 1.0) return Refusal::client_rate;
    }
    if (descriptors_ && !descriptors_->try_acquire()) {
        forget_if_new();
        return Refusal::descriptors;
    }
    if (limits_.max_rate_per_client != 0) client.tokens -= 1.0;
    ++client.active;
    ++active_;
    return Refusal::none;
}

void ConnectionGovernor::release(const ClientKey& key) {
    std::lock_guard lock(mutex_);
    if (descriptors_) descriptors_->release();
    if (active_ > 0) --active_;
    auto it = clients_.find(key);
    if (it == clients_.end()) return;
    if (it->second.active > 0) --it->second.active;
    if (it->second.active == 0 && limits_.max_rate_per_client == 0) clients_.erase(it);
}

bool ConnectionGovernor::under_stress() const {
    bool listener = limits_.max_connections != 0 && active_.load(std::memory_order_relaxed) * 100 >=
                                                        limits_.max_connections * stress_percent;
    return listener || (descriptors_ && descriptors_->under_stress());
}

std::size_t ConnectionGovernor::active() const {
    return active_.load();
}

std::size_t ConnectionGovernor::active_for(const ClientKey& key) const {
    std::lock_guard lock(mutex_);
    auto it = clients_.find(key);
    return it == clients_.end() ? 0 : it->second.active;
}

std::size_t ConnectionGovernor::tracked_clients() const {
    std::lock_guard lock(mutex_);
    return clients_.size();
}

}  // namespace relaylab::net
