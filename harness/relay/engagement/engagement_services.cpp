#include "harness/relay/engagement/engagement_services.hpp"

#include "harness/relay/engagement/engagement_token.hpp"
#include "harness/relay/engagement/quota_gate.hpp"
#include "harness/relay/engagement/tracking_service.hpp"
#include "harness/relay/engagement/unsubscribe_service.hpp"

namespace relaylab::relay {

struct EngagementServices::Impl {
    std::shared_ptr<QuotaGate> quotas;
    std::shared_ptr<UnsubscribeService> unsubscribe;
    std::shared_ptr<TrackingService> tracking;
    bool started = false;

    std::vector<std::shared_ptr<EngagementService>> all() const {
        std::vector<std::shared_ptr<EngagementService>> out;
        if (quotas) out.push_back(quotas);
        if (unsubscribe) out.push_back(unsubscribe);
        if (tracking) out.push_back(tracking);
        return out;
    }
};

EngagementServices::EngagementServices(const RelayConfig& config)
    : impl_(std::make_unique<Impl>()) {
    if (!config.quotas.empty()) impl_->quotas = QuotaGate::create(config);
    if (config.unsubscribe || config.tracking) {
        // One key per spool: tokens in mail already sent stay valid across restarts.
        std::error_code ec;
        std::filesystem::create_directories(config.spool, ec);
        auto key = std::make_shared<const EngagementKey>(
            EngagementKey::load_or_create((config.spool / "engagement.key").string()));
        if (config.unsubscribe) impl_->unsubscribe = UnsubscribeService::create(config, key);
        if (config.tracking) impl_->tracking = TrackingService::create(config, key);
    }
}

EngagementServices::~EngagementServices() {
    stop();
}

void EngagementServices::start() {
    if (impl_->started) return;
    impl_->started = true;
    for (const auto& service : impl_->all())
        service->start();
}

void EngagementServices::stop() {
    if (!impl_->started) return;
    impl_->started = false;
    for (const auto& service : impl_->all())
        service->stop();
}

std::vector<std::shared_ptr<SubmissionHooks>> EngagementServices::hooks() const {
    std::vector<std::shared_ptr<SubmissionHooks>> out;
    for (const auto& service : impl_->all())
        out.push_back(service);
    return out;
}

nlohmann::json EngagementServices::stats() const {
    nlohmann::json out = nlohmann::json::object();
    if (impl_->quotas) out["quotas"] = impl_->quotas->stats();
    if (impl_->unsubscribe) out["unsubscribe"] = impl_->unsubscribe->stats();
    if (impl_->tracking) out["tracking"] = impl_->tracking->stats();
    return out;
}

std::string EngagementServices::unsubscribe_base_url() const {
    return impl_->unsubscribe ? impl_->unsubscribe->base_url() : std::string();
}

std::string EngagementServices::tracking_base_url() const {
    return impl_->tracking ? impl_->tracking->base_url() : std::string();
}

std::filesystem::path EngagementServices::unsubscribe_ca_file() const {
    return impl_->unsubscribe ? impl_->unsubscribe->ca_file() : std::filesystem::path();
}

}  // namespace relaylab::relay
