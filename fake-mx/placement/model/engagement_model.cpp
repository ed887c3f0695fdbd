#include "fake-mx/placement/model/engagement_model.hpp"

#include <algorithm>

namespace relaylab::placement {
namespace {

// FNV-1a (64-bit) folds the strings; splitmix64 (Steele, Lea, Flood 2014) spreads the result so
// that neighbouring keys ("m1", "m2") give unrelated draws. std::hash is not used: it differs
// between standard libraries, and a run's truth must be the same wherever it is replayed.
constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t fnv_prime = 0x100000001b3ULL;

std::uint64_t fnv1a(std::uint64_t hash, std::string_view text) {
    for (unsigned char c : text) {
        hash ^= c;
        hash *= fnv_prime;
    }
    // A separator, so ("ab", "c") and ("a", "bc") differ.
    hash ^= 0xff;
    hash *= fnv_prime;
    return hash;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// One independent uniform in [0, 1) per decision, so adding a decision later does not change
// the earlier ones.
enum class Decision : std::uint64_t { open = 1, images, click, unsubscribe, scanner, complaint };

double uniform(std::uint64_t key, Decision decision) {
    return engagement_uniform(key, static_cast<std::uint64_t>(decision));
}

double probability(double p) {
    return std::clamp(p, 0.0, 1.0);
}

}  // namespace

double engagement_uniform(std::uint64_t key, std::uint64_t stream) {
    // The top 53 bits: every double in [0, 1) a multiple of 2^-53, none equal to 1.
    return static_cast<double>(splitmix64(key ^ splitmix64(stream)) >> 11) * 0x1.0p-53;
}

const EngagementRates& EngagementModel::rates_for(std::string_view provider) const {
    auto found = providers.find(std::string(provider));
    return found != providers.end() ? found->second : defaults;
}

std::uint64_t engagement_key(std::uint64_t seed, std::string_view message_key,
                             std::string_view recipient) {
    std::uint64_t hash = fnv_offset;
    for (int shift = 0; shift < 64; shift += 8) {
        hash ^= (seed >> shift) & 0xff;
        hash *= fnv_prime;
    }
    hash = fnv1a(hash, message_key);
    hash = fnv1a(hash, recipient);
    return splitmix64(hash);
}

EngagementDraw draw_engagement(const EngagementModel& model, std::string_view provider,
                               Placement placement, std::string_view message_key,
                               std::string_view recipient) {
    EngagementDraw draw;
    // Rejected and deferred mail never reached a mailbox: nobody, not even a scanner, sees it.
    if (placement != Placement::inbox && placement != Placement::spam) return draw;
    const EngagementRates& rates = model.rates_for(provider);
    std::uint64_t key = engagement_key(model.seed, message_key, recipient);
    bool inbox = placement == Placement::inbox;
    double p_open = probability(inbox ? rates.open_inbox : rates.open_spam);
    // P(click) is of delivered mail and a clicker has opened, so given an open it is
    // P(click) / P(open): the overall click rate lands on the configured one.
    double p_click = probability(inbox ? rates.click_inbox : rates.click_spam);
    double p_click_given_open = p_open > 0 ? std::min(1.0, p_click / p_open) : 0.0;

    draw.scanned = uniform(key, Decision::scanner) < probability(rates.link_scanner);
    draw.complains = inbox && uniform(key, Decision::complaint) < probability(rates.complaint);
    draw.opens = uniform(key, Decision::open) < p_open;
    if (!draw.opens) return draw;
    draw.loads_images = uniform(key, Decision::images) >= probability(rates.image_blocking);
    draw.clicks = uniform(key, Decision::click) < p_click_given_open;
    draw.unsubscribes = uniform(key, Decision::unsubscribe) < probability(rates.unsubscribe);
    return draw;
}

}  // namespace relaylab::placement
