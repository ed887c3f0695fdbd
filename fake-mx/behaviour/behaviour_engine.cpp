#include "fake-mx/behaviour/behaviour_engine.hpp"

#include <algorithm>
#include <limits>

#include "fake-mx/behaviour/reply_template.hpp"

namespace relaylab::fakemx {

namespace {

using smtp::Phase;

constexpr unsigned bit(Phase phase) {
    return static_cast<unsigned>(phase);
}

// SplitMix64 (Steele, Lea, Flood 2014): spreads a run seed over the rules so that rules without
// their own seed still draw independent, repeatable sequences.
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t z = seed + (stream + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// A uniform draw in [0, 1) from the top 53 bits: identical on every standard library, unlike
// std::uniform_real_distribution, so a seed means the same run everywhere.
double unit_draw(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

void note(Outcome& out, std::string_view name) {
    if (!out.rule.empty()) out.rule += ", ";
    out.rule += name;
}

}  // namespace

BehaviourEngine::BehaviourEngine(Behaviour behaviour)
    : behaviour_(std::move(behaviour)),
      jitter_rng_(mix_seed(behaviour_.seed, std::numeric_limits<std::uint32_t>::max())),
      attempts_(behaviour_.max_tracked_entries),
      clients_(behaviour_.rate_limits.messages_per_minute
                   ? behaviour_.rate_limits.messages_per_minute->max
                   : 0,
               behaviour_.max_tracked_entries) {
    for (std::size_t i = 0; i < behaviour_.rules.size(); ++i) {
        const auto& rule = behaviour_.rules[i];
        phases_ |= rule.phases;
        counts_attempts_ = counts_attempts_ || rule.when.uses_attempt();
        rules_use_client_ip_ = rules_use_client_ip_ || rule.when.uses_client_ip();
        rule_states_.push_back(
            RuleState{0, std::mt19937_64(rule.seed ? *rule.seed : mix_seed(behaviour_.seed, i))});
    }
    // Attempts are counted at RCPT even when only data or data_end rules read them.
    if (counts_attempts_) phases_ |= bit(Phase::rcpt);
    if (behaviour_.greylist) {
        phases_ |= bit(Phase::rcpt);
        greylist_.emplace(*behaviour_.greylist, behaviour_.max_tracked_entries);
    }
    const auto& limits = behaviour_.rate_limits;
    if (limits.concurrent_connections) {
        phases_ |= bit(Phase::connect);
        tracks_connections_ = true;
    }
    if (limits.messages_per_connection) phases_ |= bit(Phase::mail);
    if (limits.messages_per_minute) {
        phases_ |= bit(Phase::mail);
        tracks_messages_ = true;
    }
}

std::uint64_t BehaviourEngine::attempt_number(const Facts& facts) {
    if (!counts_attempts_) return 0;
    if (facts.phase == Phase::rcpt) {
        auto& count = attempts_.get_or_insert(
            triplet_key(facts.client_ip, facts.mail_from, facts.recipient), 0);
        return ++count;
    }
    // After RCPT a message has one attempt number per recipient; the lowest is the message's
    // (a retry of all recipients has them equal anyway).
    std::uint64_t lowest = 0;
    for (const auto& recipient : facts.recipients) {
        const auto* count =
            attempts_.peek(triplet_key(facts.client_ip, facts.mail_from, recipient));
        std::uint64_t n = count == nullptr ? 0 : *count;
        if (lowest == 0 || n < lowest) lowest = n;
    }
    return lowest;
}

bool BehaviourEngine::rule_fires(std::size_t index, const Facts& facts, std::uint64_t attempt,
                                 const std::optional<net::IpAddress>& client_ip) {
    const auto& rule = behaviour_.rules[index];
    if ((rule.phases & bit(facts.phase)) == 0) return false;
    if (!conditions_hold(rule.when, facts, attempt, client_ip)) return false;
    auto& state = rule_states_[index];
    ++state.matches;  // "first" counts matches, whether or not the draw below then fires
    if (rule.when.first != 0 && state.matches > rule.when.first) return false;
    if (rule.when.probability >= 1.0) return true;
    return unit_draw(state.rng) < rule.when.probability;
}

void BehaviourEngine::apply(const Rule& rule, const Facts& facts, Outcome& out) {
    note(out, rule.name);
    out.delay += rule.delay;
    if (rule.jitter.count() > 0) {
        auto spread = static_cast<std::uint64_t>(rule.jitter.count()) + 1;
        out.delay += std::chrono::milliseconds(jitter_rng_() % spread);
    }
    out.delay = std::min(out.delay, max_action_delay);
    if (rule.tarpit_interval.count() > 0) out.tarpit_interval = rule.tarpit_interval;
    if (rule.reply) out.reply = expand_reply(*rule.reply, facts);
    if (rule.disconnect != Disconnect::none) {
        out.disconnect = rule.disconnect;
        out.mid_data_bytes = rule.disconnect_after_bytes;
    }
}

void BehaviourEngine::apply_builtins(const Facts& facts, Clock::time_point now, Outcome& out) {
    const auto& limits = behaviour_.rate_limits;
    auto refuse = [&](const Limit& limit, std::string_view name) {
        note(out, name);
        out.reply = expand_reply(limit.reply, facts);
        if (limit.disconnect) out.disconnect = Disconnect::after_reply;
    };
    switch (facts.phase) {
        case Phase::connect:
            if (limits.concurrent_connections &&
                clients_.open_connections(std::string(facts.client_ip)) >
                    limits.concurrent_connections->max) {
                refuse(*limits.concurrent_connections, "rate_limits/concurrent_connections");
            }
            break;
        case Phase::mail:
            if (limits.messages_per_connection &&
                facts.message_number > limits.messages_per_connection->max) {
                refuse(*limits.messages_per_connection, "rate_limits/messages_per_connection");
            } else if (limits.messages_per_minute &&
                       !clients_.may_send(std::string(facts.client_ip), now)) {
                refuse(*limits.messages_per_minute, "rate_limits/messages_per_minute");
            }
            break;
        case Phase::rcpt:
            if (greylist_) {
                auto client =
                    greylist_client(facts.client_ip, behaviour_.greylist->lookup_by_subnet);
                auto verdict =
                    greylist_->check(triplet_key(client, facts.mail_from, facts.recipient), now);
                if (GreylistTable::defers(verdict)) {
                    note(out, "greylist (" + std::string(to_string(verdict)) + ")");
                    out.reply = expand_reply(behaviour_.greylist->reply, facts);
                }
            }
            break;
        default:
            break;
    }
}

Outcome BehaviourEngine::decide(const Facts& facts, Clock::time_point now) {
    if ((phases_ & bit(facts.phase)) == 0) return {};
    std::optional<net::IpAddress> client_ip;
    if (rules_use_client_ip_) client_ip = net::parse_ip(facts.client_ip);

    Outcome out;
    {
        std::lock_guard lock(mutex_);
        decide_locked(facts, now, client_ip, out);
    }
    // RFC 2034: enhanced codes belong to servers that advertise ENHANCEDSTATUSCODES.
    if (out.reply && !behaviour_.extensions.enhanced_status_codes) out.reply->enhanced.clear();
    return out;
}

void BehaviourEngine::decide_locked(const Facts& facts, Clock::time_point now,
                                    const std::optional<net::IpAddress>& client_ip, Outcome& out) {
    std::uint64_t attempt = attempt_number(facts);
    for (std::size_t i = 0; i < behaviour_.rules.size(); ++i) {
        if (!rule_fires(i, facts, attempt, client_ip)) continue;
        const auto& rule = behaviour_.rules[i];
        apply(rule, facts, out);
        if (rule.final()) return;  // an accepting rule also skips the built-ins
    }
    apply_builtins(facts, now, out);
}

void BehaviourEngine::connection_opened(std::string_view client_ip) {
    if (!tracks_connections_) return;
    std::lock_guard lock(mutex_);
    clients_.opened(std::string(client_ip));
}

void BehaviourEngine::connection_closed(std::string_view client_ip) {
    if (!tracks_connections_) return;
    std::lock_guard lock(mutex_);
    clients_.closed(std::string(client_ip));
}

void BehaviourEngine::message_accepted(std::string_view client_ip, Clock::time_point now) {
    if (!tracks_messages_) return;
    std::lock_guard lock(mutex_);
    clients_.message_accepted(std::string(client_ip), now);
}

BehaviourEngine::TableSizes BehaviourEngine::table_sizes() const {
    std::lock_guard lock(mutex_);
    return {greylist_ ? greylist_->size() : 0, attempts_.size(), clients_.size()};
}

}  // namespace relaylab::fakemx
