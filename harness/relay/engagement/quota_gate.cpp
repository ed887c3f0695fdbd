#include "harness/relay/engagement/quota_gate.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include "fake-mx/behaviour/glob.hpp"
#include "harness/log/log.hpp"
#include "harness/net/bounded_lru.hpp"
#include "harness/relay/config/config_values.hpp"
#include "harness/relay/engagement/sliding_window_counter.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::relay {

namespace {

// Senders tracked per quota entry: a relay fed many distinct senders forgets the least
// recently active first (their count starts over), instead of growing without end.
constexpr std::size_t max_tracked_senders = 10000;
// Senders kept for the refusal counts in stats(), and how many stats() shows.
constexpr std::size_t max_refused_senders = 1000;
constexpr std::size_t stats_top_senders = 20;

class QuotaGateImpl final : public QuotaGate {
  public:
    explicit QuotaGateImpl(const RelayConfig& config, Clock clock) : clock_(std::move(clock)) {
        for (const SenderQuota& quota : config.quotas)
            entries_.push_back(std::make_unique<Entry>(quota));
    }

    std::optional<smtp::Reply> check_sender(std::string_view sender) override {
        // The null reverse-path carries bounces (RFC 5321 4.5.5): delaying them helps nobody.
        if (sender.empty()) return std::nullopt;
        const std::string key = auth::to_lower(sender);
        const auto now = clock_();
        for (const auto& entry : entries_) {
            if (!fakemx::glob_match(entry->quota.sender, key)) continue;
            std::chrono::seconds wait{0};
            {
                std::lock_guard lock(entry->mutex);
                const SlidingWindowCounter* counter = entry->senders.peek(key);
                if (counter == nullptr || counter->count(now) < entry->quota.max) continue;
                wait = counter->until_below(now, entry->quota.max);
            }
            count_refusal(key);
            // RFC 3463 4.7.1: delivery not authorized, temporary: the client keeps the message
            // and retries, which is what a quota asks of it.
            return smtp::make_reply(
                451, "4.7.1",
                std::string(sender) + ": sending quota of " + std::to_string(entry->quota.max) +
                    " messages per " + format_duration(entry->quota.per) +
                    " reached; try again in " + std::to_string(wait.count()) + "s");
        }
        return std::nullopt;
    }

    void stored(const SpoolMessage& meta) override {
        if (meta.mail_from.empty()) return;
        const std::string key = auth::to_lower(meta.mail_from);
        const auto now = clock_();
        for (const auto& entry : entries_) {
            if (!fakemx::glob_match(entry->quota.sender, key)) continue;
            std::lock_guard lock(entry->mutex);
            entry->senders.get_or_insert(key, SlidingWindowCounter(entry->quota.per)).add(now);
        }
    }

    nlohmann::json stats() const override {
        std::vector<std::pair<std::string, std::uint64_t>> top;
        {
            std::lock_guard lock(refused_mutex_);
            top.assign(refused_senders_.begin(), refused_senders_.end());
        }
        std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        if (top.size() > stats_top_senders) top.resize(stats_top_senders);
        nlohmann::json by_sender = nlohmann::json::object();
        for (const auto& [sender, refused] : top)
            by_sender[sender] = refused;
        return {{"refused", refused_.load()}, {"by_sender", std::move(by_sender)}};
    }

  private:
    struct Entry {
        explicit Entry(SenderQuota q) : quota(std::move(q)) {
            quota.sender = auth::to_lower(quota.sender);
        }
        SenderQuota quota;
        std::mutex mutex;
        net::BoundedLru<SlidingWindowCounter> senders{max_tracked_senders};
    };

    void count_refusal(const std::string& sender) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard lock(refused_mutex_);
        auto it = refused_senders_.find(sender);
        if (it != refused_senders_.end()) {
            ++it->second;
        } else if (refused_senders_.size() < max_refused_senders) {
            refused_senders_.emplace(sender, 1);
        }
    }

    Clock clock_;
    std::vector<std::unique_ptr<Entry>> entries_;
    std::atomic<std::uint64_t> refused_{0};
    mutable std::mutex refused_mutex_;
    std::map<std::string, std::uint64_t> refused_senders_;  // at most max_refused_senders
};

}  // namespace

std::shared_ptr<QuotaGate> QuotaGate::create(const RelayConfig& config) {
    return create(config, [] { return std::chrono::steady_clock::now(); });
}

std::shared_ptr<QuotaGate> QuotaGate::create(const RelayConfig& config, Clock clock) {
    return std::make_shared<QuotaGateImpl>(config, std::move(clock));
}

}  // namespace relaylab::relay
