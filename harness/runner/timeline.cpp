#include "harness/runner/timeline.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace relaylab::runner {

namespace {
constexpr const char* series_names[timeline_series_count] = {"submitted", "accepted", "rejected",
                                                             "delivered", "deferred", "bounced"};
}

void Timeline::add(double at_s, TimelineSeries series, std::uint64_t count) {
    if (!(at_s >= 0)) at_s = 0;
    auto index = static_cast<std::size_t>(at_s / step_s_);
    while (index >= max_steps_) {
        // Merge pairs: the step doubles, the history halves.
        std::vector<Step> merged((steps_.size() + 1) / 2, Step{});
        for (std::size_t i = 0; i < steps_.size(); ++i)
            for (std::size_t s = 0; s < timeline_series_count; ++s)
                merged[i / 2][s] += steps_[i][s];
        steps_ = std::move(merged);
        step_s_ *= 2;
        index = static_cast<std::size_t>(at_s / step_s_);
    }
    if (index >= steps_.size()) steps_.resize(index + 1, Step{});
    steps_[index][static_cast<std::size_t>(series)] += count;
}

nlohmann::json Timeline::to_json(double until_s) const {
    nlohmann::json points = nlohmann::json::array();
    std::size_t last = steps_.size();
    if (until_s > 0) {
        auto wanted = static_cast<std::size_t>(std::ceil(until_s / step_s_));
        last = std::max(last, std::min(wanted, max_steps_));
    }
    for (std::size_t i = 0; i < last; ++i) {
        nlohmann::json point;
        point["t"] = static_cast<double>(i) * step_s_;
        for (std::size_t s = 0; s < timeline_series_count; ++s)
            point[series_names[s]] = i < steps_.size() ? steps_[i][s] : 0;
        points.push_back(std::move(point));
    }
    return points;
}

}  // namespace relaylab::runner
