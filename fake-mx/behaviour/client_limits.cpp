#include "fake-mx/behaviour/client_limits.hpp"

#include <algorithm>

namespace relaylab::fakemx {

namespace {

constexpr double seconds_per_minute = 60.0;

}  // namespace

ClientLimits::ClientLimits(std::uint64_t per_minute, std::size_t capacity)
    : capacity_tokens_(static_cast<double>(per_minute)), clients_(capacity) {}

ClientLimits::Client& ClientLimits::client(const std::string& ip, Clock::time_point now) {
    // A new client starts with a full bucket: the limit allows a burst of per_minute messages.
    return clients_.get_or_insert(ip, Client{0, capacity_tokens_, now});
}

void ClientLimits::refill(Client& c, Clock::time_point now) const {
    if (now <= c.refilled) return;
    double elapsed = std::chrono::duration<double>(now - c.refilled).count();
    c.tokens =
        std::min(capacity_tokens_, c.tokens + elapsed * capacity_tokens_ / seconds_per_minute);
    c.refilled = now;
}

std::uint64_t ClientLimits::opened(const std::string& ip) {
    return ++client(ip, Clock::time_point{}).open;
}

void ClientLimits::closed(const std::string& ip) {
    // find, not get_or_insert: a close for a forgotten (evicted) client must not create one.
    if (auto* c = clients_.find(ip); c != nullptr && c->open > 0) --c->open;
}

std::uint64_t ClientLimits::open_connections(const std::string& ip) const {
    const auto* c = clients_.peek(ip);
    return c == nullptr ? 0 : c->open;
}

bool ClientLimits::may_send(const std::string& ip, Clock::time_point now) {
    if (capacity_tokens_ <= 0) return true;
    auto* c = clients_.find(ip);
    if (c == nullptr) return true;  // never sent (or forgotten): a full bucket
    refill(*c, now);
    return c->tokens >= 1.0;
}

void ClientLimits::message_accepted(const std::string& ip, Clock::time_point now) {
    if (capacity_tokens_ <= 0) return;
    auto& c = client(ip, now);
    refill(c, now);
    // Messages accepted past the limit (parallel sessions all passed MAIL at once) still count:
    // the debt is paid back before the client may send again, down to one bucket's worth.
    c.tokens = std::max(-capacity_tokens_, c.tokens - 1.0);
}

}  // namespace relaylab::fakemx
