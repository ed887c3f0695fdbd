#include "harness/load/recipient_count.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "harness/load/counter_hash.hpp"

namespace relaylab::load {

namespace {

std::optional<std::size_t> parse_count(std::string_view text) {
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 ||
        value > max_recipients_per_message) {
        return std::nullopt;
    }
    return value;
}

std::optional<double> parse_weight(std::string_view text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !(value > 0) ||
        !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

RecipientCount RecipientCount::fixed(std::size_t count) {
    RecipientCount result;
    result.choices_ = {{std::clamp<std::size_t>(count, 1, max_recipients_per_message), 1.0}};
    return result;
}

RecipientCount RecipientCount::weighted(std::vector<std::pair<std::size_t, double>> weights,
                                        std::uint64_t seed) {
    RecipientCount result;
    result.seed_ = seed;
    double total = 0;
    for (const auto& [count, weight] : weights)
        total += weight > 0 ? weight : 0;
    if (!(total > 0)) return result;
    result.choices_.clear();
    double running = 0;
    for (const auto& [count, weight] : weights) {
        if (!(weight > 0)) continue;
        running += weight;
        result.choices_.push_back(
            {std::clamp<std::size_t>(count, 1, max_recipients_per_message), running / total});
    }
    result.choices_.back().cumulative = 1.0;  // no gap at the top from rounding
    return result;
}

std::optional<RecipientCount> RecipientCount::parse(std::string_view text, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<RecipientCount> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    const std::string range = "1.." + std::to_string(max_recipients_per_message);
    if (auto count = parse_count(text)) return fixed(*count);
    if (auto dash = text.find('-'); dash != std::string_view::npos) {
        auto low = parse_count(text.substr(0, dash));
        auto high = parse_count(text.substr(dash + 1));
        if (!low || !high || *low > *high) {
            return fail("'" + std::string(text) + "': expected MIN-MAX with counts in " + range);
        }
        std::vector<std::pair<std::size_t, double>> weights;
        for (std::size_t count = *low; count <= *high; ++count)
            weights.emplace_back(count, 1.0);
        return weighted(std::move(weights));
    }
    if (text.find(':') != std::string_view::npos) {
        std::vector<std::pair<std::size_t, double>> weights;
        for (bool more = true; more;) {
            auto comma = text.find(',');
            std::string_view item = text.substr(0, comma);
            more = comma != std::string_view::npos;  // "1:2," has an empty last item: refused
            if (more) text.remove_prefix(comma + 1);
            auto colon = item.find(':');
            auto count = parse_count(item.substr(0, colon));
            auto weight = colon == std::string_view::npos ? std::nullopt
                                                          : parse_weight(item.substr(colon + 1));
            if (!count || !weight) {
                return fail("'" + std::string(item) + "': expected COUNT:WEIGHT, COUNT in " +
                            range + ", WEIGHT > 0");
            }
            weights.emplace_back(*count, *weight);
        }
        return weighted(std::move(weights));
    }
    return fail("'" + std::string(text) +
                "': expected N, MIN-MAX or COUNT:WEIGHT,... with counts in " + range);
}

std::size_t RecipientCount::pick(std::uint64_t n) const {
    if (choices_.size() == 1) return choices_.front().count;
    double draw = unit_closed_open(splitmix64(n ^ splitmix64(seed_)));
    for (const auto& choice : choices_) {
        if (draw < choice.cumulative) return choice.count;
    }
    return choices_.back().count;
}

std::size_t RecipientCount::largest() const {
    std::size_t largest = 1;
    for (const auto& choice : choices_)
        largest = std::max(largest, choice.count);
    return largest;
}

}  // namespace relaylab::load
