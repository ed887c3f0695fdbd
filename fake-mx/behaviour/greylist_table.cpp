#include "fake-mx/behaviour/greylist_table.hpp"

#include <cstdio>

#include "harness/net/ip_range.hpp"

namespace relaylab::fakemx {

namespace {

void append_folded(std::string& out, std::string_view text) {
    for (char c : text)
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

}  // namespace

std::string triplet_key(std::string_view client_ip, std::string_view sender,
                        std::string_view recipient) {
    std::string key;
    key.reserve(client_ip.size() + sender.size() + recipient.size() + 2);
    append_folded(key, client_ip);
    key += '\n';  // cannot occur inside any of the three, so keys cannot collide
    append_folded(key, sender);
    key += '\n';
    append_folded(key, recipient);
    return key;
}

std::string greylist_client(std::string_view client_ip, bool by_subnet) {
    if (!by_subnet) return std::string(client_ip);
    auto address = net::parse_ip(client_ip);
    if (!address) return std::string(client_ip);
    const auto& b = address->bytes;
    char text[64];
    if (address->v4) {
        std::snprintf(text, sizeof text, "%u.%u.%u.0/24", b[12], b[13], b[14]);
    } else {
        std::snprintf(text, sizeof text, "%x:%x:%x:%x::/64", b[0] << 8 | b[1], b[2] << 8 | b[3],
                      b[4] << 8 | b[5], b[6] << 8 | b[7]);
    }
    return text;
}

GreylistTable::GreylistTable(const Greylist& config, std::size_t capacity)
    : config_(config), entries_(capacity) {}

bool GreylistTable::expired(const Entry& entry, Clock::time_point now) const {
    if (entry.allowed_until) return now > *entry.allowed_until;
    return now > entry.first_seen + config_.max_retry;
}

GreylistTable::Verdict GreylistTable::check(const std::string& key, Clock::time_point now) {
    Verdict verdict = decide(key, now);
    // Old entries would only start over anyway: dropping them keeps the table small without
    // waiting for the cap to evict live ones. After the decision, so that a returning triplet
    // is reported as "started over" rather than "first seen".
    entries_.trim_oldest([&](const Entry& entry) { return expired(entry, now); });
    return verdict;
}

GreylistTable::Verdict GreylistTable::decide(const std::string& key, Clock::time_point now) {
    Entry* entry = entries_.find(key);
    if (entry == nullptr) {
        entries_.get_or_insert(key, Entry{now, std::nullopt});
        return Verdict::first_seen;
    }
    if (expired(*entry, now)) {
        *entry = Entry{now, std::nullopt};
        return Verdict::started_over;
    }
    if (entry->allowed_until) {
        entry->allowed_until = now + config_.whitelist_for;
        return Verdict::allowed;
    }
    if (now - entry->first_seen < config_.min_retry) return Verdict::too_soon;
    entry->allowed_until = now + config_.whitelist_for;
    return Verdict::passed;
}

std::string_view to_string(GreylistTable::Verdict verdict) {
    switch (verdict) {
        case GreylistTable::Verdict::first_seen:
            return "first seen";
        case GreylistTable::Verdict::too_soon:
            return "retried too soon";
        case GreylistTable::Verdict::passed:
            return "passed";
        case GreylistTable::Verdict::allowed:
            return "allowed";
        case GreylistTable::Verdict::started_over:
            return "started over";
    }
    return "unknown";
}

}  // namespace relaylab::fakemx
