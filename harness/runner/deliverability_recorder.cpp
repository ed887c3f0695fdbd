#include "harness/runner/deliverability_recorder.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "harness/load/counter_hash.hpp"

namespace relaylab::runner {

namespace {

constexpr std::string_view no_provider = "(none)";
constexpr std::string_view other_rules = "(other)";
// PlacementSummary::reason of a receiver's volume rule ("volume: 100 per 1d per sending
// domain"): the receiver-side quota the relay must handle.
constexpr std::string_view volume_reason = "volume";
// ProviderJudge's reason when the From domain's complaint rate is over the rule's.
constexpr std::string_view complaint_reason = "complaints:";

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Addresses compared case-insensitively (the simulator, the relay and the generator may spell
// a domain differently); 64 bits so two addresses of a run never collide in practice.
std::uint64_t address_hash(std::string_view address) {
    std::uint64_t hash = 1469598103934665603ull;  // FNV-1a offset basis
    for (char c : lower(address)) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return load::splitmix64(hash);
}

double round2(double value) {
    return std::round(value * 100) / 100;
}

double round4(double value) {
    return std::round(value * 10000) / 10000;
}

// count / over, or null when there is nothing to divide by (an undefined rate, not 0).
nlohmann::json rate(std::optional<std::uint64_t> count, std::uint64_t over) {
    if (!count || over == 0) return nullptr;
    return round4(static_cast<double>(*count) / static_cast<double>(over));
}

const nlohmann::json* find_path(const nlohmann::json& value, std::string_view first,
                                std::string_view second) {
    if (!value.is_object()) return nullptr;
    auto outer = value.find(std::string(first));
    if (outer == value.end() || !outer->is_object()) return nullptr;
    auto inner = outer->find(std::string(second));
    // A count: a whole number not below 0, however the JSON was made (signed or unsigned).
    if (inner == outer->end() || !inner->is_number_integer()) return nullptr;
    if (!inner->is_number_unsigned() && inner->get<std::int64_t>() < 0) return nullptr;
    return &*inner;
}

std::optional<std::uint64_t> read_count(const nlohmann::json& value, std::string_view first,
                                        std::string_view second) {
    const nlohmann::json* found = find_path(value, first, second);
    if (found == nullptr) return std::nullopt;
    return found->get<std::uint64_t>();
}

}  // namespace

DeliverabilityRecorder::DeliverabilityRecorder(DeliverabilityConfig config)
    : config_(std::move(config)) {}

void DeliverabilityRecorder::on_submission_accepted(std::uint64_t n, double at_s) {
    if (!config_.track_arrivals || n == 0) return;
    // The Recorder bounds n (max_number_ahead) before it calls here.
    if (n > started_s_.size()) started_s_.resize(n, -1.0f);
    started_s_[n - 1] = static_cast<float>(at_s);
}

std::string DeliverabilityRecorder::provider_name(const fakemx::ReceiverEvent& event) const {
    if (!event.placement->provider.empty()) return std::string(event.placement->provider);
    auto host = config_.host_domains.find(std::string(event.host));
    if (host != config_.host_domains.end() && host->second.size() == 1) return host->second.front();
    return std::string(no_provider);
}

void DeliverabilityRecorder::count_spam(const placement::SpamScore& spam) {
    if (!spam.scored) {
        if (!spam.error.empty()) ++score_failed_;
        return;
    }
    ++scored_;
    score_sum_ += spam.score;
    for (const auto& rule : spam.rules) {
        auto found = rules_.find(rule);
        if (found != rules_.end()) {
            ++found->second;
        } else if (rules_.size() < config_.max_rules) {
            rules_.emplace(rule, 1);
        } else {
            ++rules_[std::string(other_rules)];  // a hostile filter must not grow this map
        }
    }
}

void DeliverabilityRecorder::on_receiver(const fakemx::ReceiverEvent& event,
                                         std::optional<std::uint64_t> n) {
    if (event.placement == nullptr) return;
    // DSNs (null reverse-path) are the relay's reports to the sender, not the campaign.
    if (event.mail_from.empty()) return;
    const fakemx::PlacementSummary& summary = *event.placement;
    if (!summary.provider.empty()) saw_provider_or_spam_ = true;
    if (summary.spam != nullptr && (summary.spam->scored || !summary.spam->error.empty())) {
        saw_provider_or_spam_ = true;
        count_spam(*summary.spam);
    }
    std::uint64_t recipients = std::max<std::uint64_t>(event.recipients.size(), 1);
    ProviderCounts& counts = providers_[provider_name(event)];
    switch (summary.placement) {
        case placement::Placement::inbox:
            counts.inbox += recipients;
            break;
        case placement::Placement::spam:
            counts.spam += recipients;
            break;
        case placement::Placement::rejected:
            counts.rejected += recipients;
            break;
        case placement::Placement::deferred:
            counts.deferred += recipients;
            if (summary.reason.starts_with(volume_reason)) ++volume_deferrals_;
            if (summary.reason.starts_with(complaint_reason)) ++complaint_deferrals_;
            break;
    }
    bool delivered = summary.placement == placement::Placement::inbox ||
                     summary.placement == placement::Placement::spam;
    if (!delivered || event.kind != fakemx::ReceiverEvent::Kind::accepted) return;
    delivered_ += event.recipients.size();
    if (summary.placement == placement::Placement::inbox) inbox_ += event.recipients.size();
    ++accepted_messages_;
    if (summary.list_unsubscribe) ++with_list_unsubscribe_;
    if (summary.one_click) ++with_one_click_;
    if (!config_.track_arrivals || !n) return;
    for (const auto& recipient : event.recipients) {
        if (arrivals_.size() >= config_.max_tracked_arrivals) {
            ++untracked_arrivals_;
            continue;
        }
        arrivals_.emplace_back(address_hash(recipient), *n);
    }
}

std::uint64_t DeliverabilityRecorder::count_sent_after_unsubscribe(
    const DeliverabilityInputs& inputs) const {
    // The earliest acknowledged unsubscribe of each address, in seconds since the start.
    std::unordered_map<std::uint64_t, double> unsubscribed_at;
    for (const auto& entry : inputs.unsubscribed) {
        double at = std::chrono::duration<double>(entry.at - inputs.wall_start).count();
        auto [it, fresh] = unsubscribed_at.emplace(address_hash(entry.recipient), at);
        if (!fresh) it->second = std::min(it->second, at);
    }
    if (unsubscribed_at.empty()) return 0;
    // A message counts when its MAIL FROM went out after the unsubscribe was acknowledged: an
    // honest relay checks its suppression list at RCPT, so such a message must never arrive.
    // One already queued before the unsubscribe may still arrive, and is not counted.
    std::uint64_t count = 0;
    for (const auto& [hash, n] : arrivals_) {
        auto found = unsubscribed_at.find(hash);
        if (found == unsubscribed_at.end() || n == 0 || n > started_s_.size()) continue;
        float started = started_s_[n - 1];
        if (started >= 0 && static_cast<double>(started) > found->second) ++count;
    }
    return count;
}

nlohmann::json DeliverabilityRecorder::to_json(const DeliverabilityInputs& inputs) const {
    nlohmann::json out;
    nlohmann::json placements = nlohmann::json::object();
    for (const auto& [name, counts] : providers_) {
        placements[name] = {{"inbox", counts.inbox},
                            {"spam", counts.spam},
                            {"rejected", counts.rejected},
                            {"deferred", counts.deferred}};
    }
    out["placement"] = std::move(placements);

    std::vector<std::pair<std::string, std::uint64_t>> ranked(rules_.begin(), rules_.end());
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (ranked.size() > config_.top_rules) ranked.resize(config_.top_rules);
    nlohmann::json top = nlohmann::json::array();
    for (const auto& [rule, count] : ranked)
        top.push_back({{"name", rule}, {"count", count}});
    out["spam"] = {
        {"scored", scored_},
        {"failed", score_failed_},
        {"mean_score", scored_ == 0
                           ? nlohmann::json(nullptr)
                           : nlohmann::json(round2(score_sum_ / static_cast<double>(scored_)))},
        {"top_rules", std::move(top)}};

    const nlohmann::json& relay = inputs.relay_engagement;
    // Unsubscribes: what the people did when they are simulated, else what the relay's
    // endpoint recorded (someone else clicking), else unknown.
    nlohmann::json unsubscribed = nullptr;
    if (inputs.truth) {
        unsubscribed = inputs.unsubscribed.size();
    } else if (auto count = read_count(relay, "unsubscribe", "unsubscribed")) {
        unsubscribed = *count;
    }
    nlohmann::json sent_after = nullptr;
    if (config_.track_arrivals && inputs.truth) sent_after = count_sent_after_unsubscribe(inputs);
    auto refused = read_count(relay, "unsubscribe", "refused_rcpts");
    out["unsubscribe"] = {{"messages", accepted_messages_},
                          {"list_unsubscribe", with_list_unsubscribe_},
                          {"one_click", with_one_click_},
                          {"unsubscribed", unsubscribed},
                          {"sent_after_unsubscribe", sent_after},
                          {"unchecked_arrivals", untracked_arrivals_},
                          {"refused_by_relay", refused ? nlohmann::json(*refused) : nullptr}};

    // Measured: the relay's unique opens and clicks (one per message and recipient, as ESPs
    // report them); not measured without the builtin relay's tracking.
    auto opens = read_count(relay, "tracking", "unique_opens");
    auto clicks = read_count(relay, "tracking", "unique_clicks");
    std::optional<std::uint64_t> true_opens, true_clicks;
    std::uint64_t considered = 0;
    if (inputs.truth) {
        true_opens = inputs.truth->opens;
        true_clicks = inputs.truth->clicks;
        considered = inputs.truth->messages;
    }
    auto or_null = [](std::optional<std::uint64_t> value) {
        return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
    };
    out["engagement"] = {{"delivered", delivered_},
                         {"opens", or_null(opens)},
                         {"clicks", or_null(clicks)},
                         {"open_rate", rate(opens, delivered_)},
                         {"click_rate", rate(clicks, delivered_)},
                         {"simulated", inputs.truth ? nlohmann::json(considered) : nullptr},
                         {"true_opens", or_null(true_opens)},
                         {"true_clicks", or_null(true_clicks)},
                         {"true_open_rate", rate(true_opens, considered)},
                         {"true_click_rate", rate(true_clicks, considered)}};

    auto relay_quota = read_count(relay, "quotas", "refused");
    out["quotas"] = {{"deferred_by_quota", relay_quota.value_or(0) + volume_deferrals_},
                     {"relay_refused", or_null(relay_quota)},
                     {"receiver_deferred", volume_deferrals_}};

    // Complaints: what the simulated people reported, over the recipient-messages filed in the
    // inbox (a provider's "user-reported spam rate"); unknown without simulated recipients.
    nlohmann::json complaint_rate = nullptr;
    if (inputs.truth && inbox_ > 0) {
        // Six places: the thresholds that matter are tenths of a percent.
        complaint_rate = std::round(static_cast<double>(inputs.truth->complaints) /
                                    static_cast<double>(inbox_) * 1e6) /
                         1e6;
    }
    out["complaints"] = {
        {"reported", inputs.truth ? nlohmann::json(inputs.truth->complaints) : nullptr},
        {"inbox", inbox_},
        {"rate", std::move(complaint_rate)},
        {"receiver_deferred", complaint_deferrals_}};
    return out;
}

}  // namespace relaylab::runner
