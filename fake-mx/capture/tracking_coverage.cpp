#include "fake-mx/capture/tracking_coverage.hpp"

#include <algorithm>
#include <charconv>

namespace relaylab::fakemx::capture {
namespace {

bool run_id_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

}  // namespace

bool valid_run_id(std::string_view run_id) {
    return !run_id.empty() && run_id.size() <= max_run_id_bytes &&
           std::all_of(run_id.begin(), run_id.end(), run_id_char);
}

ClassifiedTrackingId classify_tracking_id(std::string_view tracking_id, std::string_view run_id) {
    if (tracking_id.size() <= run_id.size() || !tracking_id.starts_with(run_id) ||
        tracking_id[run_id.size()] != '-')
        return {};
    std::string_view digits = tracking_id.substr(run_id.size() + 1);
    // make_tracking_id never writes a leading zero; "r-07" counted as 7 would pass off a
    // foreign or mangled id as a duplicate of a real one. from_chars alone also takes no sign.
    if (digits.empty() || digits.front() < '1' || digits.front() > '9')
        return {TrackingIdKind::malformed, 0};
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size())
        return {TrackingIdKind::malformed, 0};  // past UINT64_MAX, or trailing text
    return {TrackingIdKind::number, n};
}

TrackingCoverageBuilder::TrackingCoverageBuilder(std::string run_id) : run_id_(std::move(run_id)) {}

void TrackingCoverageBuilder::add(std::string_view tracking_id) {
    ClassifiedTrackingId id = classify_tracking_id(tracking_id, run_id_);
    if (id.kind == TrackingIdKind::number)
        numbers_.push_back(id.number);
    else if (id.kind == TrackingIdKind::malformed)
        ++other_;
}

TrackingCoverage TrackingCoverageBuilder::finish() {
    TrackingCoverage coverage;
    coverage.run_id = std::move(run_id_);
    coverage.other = other_;
    coverage.messages = numbers_.size();
    std::sort(numbers_.begin(), numbers_.end());
    for (std::size_t i = 0; i < numbers_.size(); ++i) {
        const std::uint64_t n = numbers_[i];
        if (i > 0 && n == numbers_[i - 1]) {
            if (coverage.duplicated.size() < max_duplicated_listed)
                coverage.duplicated.push_back(n);
            continue;
        }
        ++coverage.distinct;
        // n > last here (sorted, distinct), so n - last cannot wrap, even at UINT64_MAX.
        if (!coverage.ranges.empty() && n - coverage.ranges.back().last == 1) {
            coverage.ranges.back().last = n;
        } else if (coverage.ranges.size() < max_coverage_ranges) {
            coverage.ranges.push_back({n, n});
        } else {
            // A number past the kept ranges; the counts go on, the list stops for good.
            coverage.ranges_truncated = true;
        }
    }
    coverage.duplicates = coverage.messages - coverage.distinct;
    numbers_ = {};
    return coverage;
}

}  // namespace relaylab::fakemx::capture
