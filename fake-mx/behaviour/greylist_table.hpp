// Greylisting state (the postgrey model): a triplet is deferred when first seen, deferred again
// when retried too soon, passed when retried inside the window, then allowed for a while.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "fake-mx/behaviour/behaviour.hpp"
#include "harness/net/bounded_lru.hpp"

namespace relaylab::fakemx {

// The key of a (client IP, sender, recipient) triplet; ASCII case folded as postgrey does.
std::string triplet_key(std::string_view client_ip, std::string_view sender,
                        std::string_view recipient);
// The client part of the key: the address as given, or with by_subnet its /24 (IPv4, also
// IPv4-mapped) or /64 (IPv6), e.g. "192.0.2.0/24" (postgrey's --lookup-by-subnet). Text that
// is not an address is kept as it is.
std::string greylist_client(std::string_view client_ip, bool by_subnet);

class GreylistTable {
  public:
    using Clock = std::chrono::steady_clock;

    enum class Verdict {
        first_seen,    // new triplet (or the table forgot it): defer
        too_soon,      // retried before min_retry: defer
        passed,        // retried inside the window: accept and allow from now on
        allowed,       // passed before and still allowed: accept
        started_over,  // retried after max_retry, or the allowance ran out: defer
    };
    static bool defers(Verdict v) { return v != Verdict::passed && v != Verdict::allowed; }

    GreylistTable(const Greylist& config, std::size_t capacity);

    Verdict check(const std::string& key, Clock::time_point now);
    std::size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        Clock::time_point first_seen;
        std::optional<Clock::time_point> allowed_until;
    };
    bool expired(const Entry& entry, Clock::time_point now) const;
    Verdict decide(const std::string& key, Clock::time_point now);

    Greylist config_;
    net::BoundedLru<Entry> entries_;
};

std::string_view to_string(GreylistTable::Verdict verdict);

}  // namespace relaylab::fakemx
