// File descriptors: the soft limit raised to the hard one at start (Postfix does the same),
// and a process-wide budget of connection descriptors kept below it, so that the SMTP
// listeners, the HTTP API and the DNS fixture together never run the process out of
// descriptors for the files, DNS sockets and timers it needs to keep working. A connection
// beyond the budget is accepted and told "busy" (421, 503) instead of left hanging in the
// listen queue while accept() fails with EMFILE.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace relaylab::net {

struct DescriptorLimits {
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
    std::uint64_t soft_before = 0;  // as found at start
};

// Raises RLIMIT_NOFILE's soft limit to the hard limit (capped at max_raised_descriptors, so a
// hard limit of "unlimited" does not make select()-era code or our tables huge). Never lowers.
DescriptorLimits raise_descriptor_limit();
DescriptorLimits current_descriptor_limits();

inline constexpr std::uint64_t max_raised_descriptors = 1u << 20;
// Descriptors kept out of the connection budget: stdio, epoll and event fds per io_context,
// listeners, Maildir files being written, resolver sockets. At least min_reserved, or an eighth
// of the limit when that is more.
inline constexpr std::size_t min_reserved_descriptors = 32;

// Connections the process may hold at a soft limit of `soft` descriptors.
std::size_t connection_budget_for(std::uint64_t soft);

class DescriptorBudget {
  public:
    explicit DescriptorBudget(std::size_t budget) : budget_(budget) {}
    // The process's budget: the first call raises the soft limit (raise_descriptor_limit())
    // and sizes the budget from it.
    static DescriptorBudget& process();

    bool try_acquire();
    void release();
    bool under_stress() const;  // three quarters in use
    std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
    std::size_t budget() const { return budget_; }

  private:
    std::size_t budget_;
    std::atomic<std::size_t> in_use_{0};
};

}  // namespace relaylab::net
