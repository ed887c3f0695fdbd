// Counts per time step over a run, bounded: at most `max_steps` steps; when a run outlasts
// them, neighbouring steps are merged and the step doubles, so a day-long run keeps the same
// few kilobytes as a minute-long one. Not thread-safe (the recorder holds its lock).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace relaylab::runner {

enum class TimelineSeries : std::size_t {
    submitted,
    accepted,
    rejected,
    delivered,
    deferred,
    bounced,
};
inline constexpr std::size_t timeline_series_count = 6;

class Timeline {
  public:
    explicit Timeline(std::size_t max_steps = 1800) : max_steps_(max_steps) {}
    void add(double at_s, TimelineSeries series, std::uint64_t count = 1);
    double step_s() const { return step_s_; }
    std::size_t size() const { return steps_.size(); }
    // [{"t":0,"submitted":..,...}, ...] up to `until_s` (empty steps included, so the chart's
    // x axis is time), and the step.
    nlohmann::json to_json(double until_s) const;

  private:
    using Step = std::array<std::uint64_t, timeline_series_count>;
    std::size_t max_steps_;
    double step_s_ = 1;
    std::vector<Step> steps_;
};

}  // namespace relaylab::runner
