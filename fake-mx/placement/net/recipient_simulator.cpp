// Placeholder: the recipients helper implements this.
#include "fake-mx/placement/net/recipient_simulator.hpp"

#include <nlohmann/json.hpp>

namespace relaylab::placement {

struct RecipientSimulator::Impl {
    RecipientSimulatorConfig config;
};

RecipientSimulator::RecipientSimulator(RecipientSimulatorConfig config)
    : impl_(std::make_unique<Impl>(Impl{std::move(config)})) {}
RecipientSimulator::~RecipientSimulator() = default;
void RecipientSimulator::start() {}
void RecipientSimulator::stop(std::chrono::milliseconds) {}
void RecipientSimulator::offer(DeliveredMessage) {}
EngagementTruth RecipientSimulator::truth() const {
    return {};
}
std::vector<Unsubscribed> RecipientSimulator::unsubscribed() const {
    return {};
}
nlohmann::json RecipientSimulator::to_json() const {
    return nlohmann::json::object();
}

}  // namespace relaylab::placement
