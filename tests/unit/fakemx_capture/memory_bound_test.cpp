// The store must stay bounded at a million messages: raw content within memory_limit, metadata
// compact. Measured as the growth of this process's resident set while 100,000 messages of
// about 1 KB go in with an 8 MB raw bound.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "fake-mx/capture/capture_store.hpp"
#include "sample_messages.hpp"

using namespace relaylab::fakemx::capture;

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer keeps freed blocks in a quarantine (256 MB by default) to catch use after
// free; the growth measured would be the quarantine's, not the store's. Turned off for this
// binary only. Every block still carries a header and redzones, hence a looser per-message bound.
extern "C" const char* __asan_default_options() {
    return "quarantine_size_mb=0:thread_local_quarantine_size_kb=0";
}
constexpr std::uint64_t allocator_overhead_factor = 2;
#else
constexpr std::uint64_t allocator_overhead_factor = 1;
#endif

namespace {

std::uint64_t rss_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
}

}  // namespace

TEST_CASE("100k messages of 1 KB with an 8 MB raw bound stay within 8 MB plus 500 B each") {
    constexpr std::size_t count = 100'000;
    constexpr std::uint64_t memory_limit = 8ull * 1024 * 1024;
    // Metadata of a message like these: ~100 bytes fixed, ~250 bytes of packed text (ids,
    // addresses, subject, the header summary) in one allocation, plus deque overhead: ~360 B
    // measured here. Keeping the header block (~200 B) as a std::string as well would pass 500.
    constexpr std::uint64_t metadata_estimate = 500;

    CaptureStore store({.memory_limit = memory_limit});
    const std::uint64_t before = rss_bytes();
    REQUIRE(before > 0);
    for (std::size_t i = 0; i < count; ++i) {
        testing::SampleOptions o{.tracking_id = "run-" + std::to_string(i), .body_bytes = 800};
        std::string raw = testing::sample_raw(o);
        store.add(testing::sample_message(o, raw.size()), std::move(raw));
    }
    const std::uint64_t growth = rss_bytes() - before;
    StoreCounts counts = store.counts();
    INFO("RSS growth " << growth << " bytes, " << growth / count << " per message");
    CHECK(counts.messages_stored == count);
    CHECK(counts.raw_memory_bytes <= memory_limit);
    CHECK(counts.raw_dropped == count - counts.raw_in_memory);
    CHECK(growth < memory_limit + count * metadata_estimate * allocator_overhead_factor);
}
