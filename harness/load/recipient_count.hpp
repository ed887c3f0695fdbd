// How many recipients a generated message has: a fixed number, or a distribution drawn per
// message from the message number (so a run is reproducible and shards agree without sharing
// a random generator).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relaylab::load {

// More than RFC 5321 4.5.3.1.8 obliges a server to take (100), so a test can exceed it, and
// few enough that one message's envelope stays small.
constexpr std::size_t max_recipients_per_message = 1000;

class RecipientCount {
  public:
    RecipientCount() = default;  // one recipient
    static RecipientCount fixed(std::size_t count);
    // `weights`: (count, weight) pairs, weights > 0; counts in 1..max_recipients_per_message.
    static RecipientCount weighted(std::vector<std::pair<std::size_t, double>> weights,
                                   std::uint64_t seed = 1);
    // "3" (fixed), "1-5" (uniform over 1..5) or "1:70,2:20,10:10" (count:weight pairs).
    // nullopt and `error` set when the text is none of these.
    static std::optional<RecipientCount> parse(std::string_view text, std::string* error = nullptr);

    // The count for message number n: the same n always gets the same count.
    std::size_t pick(std::uint64_t n) const;
    std::size_t largest() const;
    bool is_fixed() const { return choices_.size() == 1; }

  private:
    struct Choice {
        std::size_t count;
        double cumulative;  // up to and including this choice, over the total weight (0..1]
    };
    std::vector<Choice> choices_{{1, 1.0}};
    std::uint64_t seed_ = 1;
};

}  // namespace relaylab::load
