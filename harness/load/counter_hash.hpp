// The one source of randomness of the traffic generator: a counter-based hash. Every random
// choice (recipient counts, arrival gaps, senders, recipients, sizes, attachment bytes) is a
// pure function of (seed, what is drawn, message number, index), never the state of a shared
// generator, so the same seed gives the same run whatever the concurrency, the sharding or the
// timing, and any message can be rebuilt alone.
#pragma once

#include <cstdint>

namespace relaylab::load {

// splitmix64's finaliser (Steele, Lea, Flood 2014): consecutive inputs give well-mixed,
// uncorrelated outputs, which is all a counter-based generator needs.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// What a draw is for: draws for different purposes from the same (seed, n) are independent.
enum class DrawPurpose : std::uint64_t {
    arrival_gap = 1,
    sender = 2,
    recipient = 3,
    mailbox = 4,  // {i}
    size = 5,
    size_normal = 6,  // the second uniform of a Box-Muller pair
    attachment_bytes = 7,
    mime_boundary = 8,
};

// A 64-bit value from (seed, purpose, n, index).
constexpr std::uint64_t counter_hash(std::uint64_t seed, DrawPurpose purpose, std::uint64_t n,
                                     std::uint64_t index = 0) {
    std::uint64_t key = splitmix64(seed ^ splitmix64(static_cast<std::uint64_t>(purpose)));
    return splitmix64(splitmix64(key ^ n) ^ index);
}

// 53 random bits as a double in [0, 1).
constexpr double unit_closed_open(std::uint64_t bits) {
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
}
// ... and in (0, 1]: never 0, so that log() of it is finite.
constexpr double unit_open_closed(std::uint64_t bits) {
    return static_cast<double>((bits >> 11) + 1) * 0x1.0p-53;
}

}  // namespace relaylab::load
