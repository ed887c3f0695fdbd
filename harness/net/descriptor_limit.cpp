#include "harness/net/descriptor_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

#include "harness/log/log.hpp"
#include "harness/net/connection_governor.hpp"

namespace relaylab::net {

DescriptorLimits current_descriptor_limits() {
    rlimit limit{};
    DescriptorLimits result;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return result;
    result.soft = result.soft_before = limit.rlim_cur;
    result.hard = limit.rlim_max;
    return result;
}

DescriptorLimits raise_descriptor_limit() {
    DescriptorLimits result = current_descriptor_limits();
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return result;
    rlim_t wanted = limit.rlim_max == RLIM_INFINITY
                        ? static_cast<rlim_t>(max_raised_descriptors)
                        : std::min<rlim_t>(limit.rlim_max, max_raised_descriptors);
    if (wanted > limit.rlim_cur) {
        limit.rlim_cur = wanted;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0) result.soft = wanted;
    }
    return result;
}

std::size_t connection_budget_for(std::uint64_t soft) {
    std::uint64_t reserved = std::max<std::uint64_t>(min_reserved_descriptors, soft / 8);
    return soft > reserved ? static_cast<std::size_t>(soft - reserved) : 1;
}

DescriptorBudget& DescriptorBudget::process() {
    // The first listener to start raises the limit, before the budget is sized from it.
    static DescriptorBudget budget([] {
        DescriptorLimits limits = raise_descriptor_limit();
        std::size_t connections = connection_budget_for(limits.soft);
        log::info("limits.descriptors", {{"soft_before", limits.soft_before},
                                         {"soft", limits.soft},
                                         {"hard", limits.hard},
                                         {"connection_budget", connections}});
        return connections;
    }());
    return budget;
}

bool DescriptorBudget::try_acquire() {
    std::size_t used = in_use_.load(std::memory_order_relaxed);
    do {
        if (used >= budget_) return false;
    } while (!in_use_.compare_exchange_weak(used, used + 1, std::memory_order_relaxed));
    return true;
}

void DescriptorBudget::release() {
    std::size_t used = in_use_.load(std::memory_order_relaxed);
    do {
        if (used == 0) return;
    } while (!in_use_.compare_exchange_weak(used, used - 1, std::memory_order_relaxed));
}

bool DescriptorBudget::under_stress() const {
    return in_use() * 100 >= budget_ * stress_percent;
}

}  // namespace relaylab::net
