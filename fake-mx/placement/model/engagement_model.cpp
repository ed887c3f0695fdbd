// Placeholder: the recipients helper implements this.
#include "fake-mx/placement/model/engagement_model.hpp"

namespace relaylab::placement {

const EngagementRates& EngagementModel::rates_for(std::string_view provider) const {
    auto found = providers.find(std::string(provider));
    return found != providers.end() ? found->second : defaults;
}

EngagementDraw draw_engagement(const EngagementModel&, std::string_view, Placement,
                               std::string_view, std::string_view) {
    return {};
}

}  // namespace relaylab::placement
