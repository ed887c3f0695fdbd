#include "harness/runner/recorder.hpp"

#include <algorithm>
#include <cmath>

#include "harness/runner/arrival_scan.hpp"
#include "harness/runner/latency_report.hpp"

namespace relaylab::runner {

namespace {

constexpr std::uint8_t flag_accepted = 1;
constexpr std::uint8_t flag_rejected = 2;
constexpr std::uint8_t flag_delivered = 4;
constexpr std::uint8_t flag_bounced = 8;

// A tracking id of this run with a number this far beyond the messages made so far is not
// ours (a forged or corrupted header): the state table must not grow for it.
constexpr std::uint64_t max_number_ahead = 1'000'000;

std::int64_t micros(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

bool is_reply_code(std::string_view key) {
    return key.size() == 3 &&
           std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Recorder::Recorder(RecorderConfig config)
    : config_(std::move(config)),
      deliverability_(config_.deliverability ? *config_.deliverability
                                             : DeliverabilityConfig{config_.host_domains, false}) {}

double Recorder::now_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - config_.start).count();
}

Recorder::MessageState* Recorder::state_locked(std::uint64_t n) {
    if (n == 0) return nullptr;
    if (n > messages_.size()) {
        if (n - messages_.size() > max_number_ahead) return nullptr;
        messages_.resize(n);
    }
    return &messages_[n - 1];
}

void Recorder::on_message_made(std::uint64_t n, const std::vector<std::string>& recipients) {
    std::lock_guard lock(mutex_);
    MessageState* state = state_locked(n);
    if (state == nullptr) return;
    state->recipients = static_cast<std::uint16_t>(std::min<std::size_t>(recipients.size(), 65535));
    for (const auto& r : recipients)
        ++domains_[domain_of(r)].recipients;
}

void Recorder::on_submission(const load::MessageEvent& event) {
    const double at = now_s();
    std::lock_guard lock(mutex_);
    MessageState* state = state_locked(event.number);
    switch (event.kind) {
        case load::EventKind::submitted:
            ++counts_.submitted;
            timeline_.add(at, TimelineSeries::submitted);
            if (state) state->intended_us = micros(event.intended - config_.start);
            break;
        case load::EventKind::accepted: {
            ++counts_.accepted;
            timeline_.add(at, TimelineSeries::accepted);
            if (state) {
                state->flags |= flag_accepted;
                auto began =
                    event.started == load::Clock::time_point() ? event.ended : event.started;
                deliverability_.on_submission_accepted(
                    event.number, std::chrono::duration<double>(began - config_.start).count());
            }
            auto from = config_.open_loop || event.started == load::Clock::time_point()
                            ? event.intended
                            : event.started;
            submit_latency_.record(micros(event.ended - from));
            ++submission_replies_["250"];
            last_accept_s_ = at;
            break;
        }
        case load::EventKind::failed: {
            ++counts_.rejected;
            timeline_.add(at, TimelineSeries::rejected);
            if (state) state->flags |= flag_rejected;
            std::string key(event.failure_key.empty() ? "unknown" : event.failure_key);
            ++submission_failures_[key];
            if (is_reply_code(key)) ++submission_replies_[key];
            break;
        }
    }
}

std::string Recorder::refusal_domain(const std::string& host) const {
    auto it = config_.host_domains.find(host);
    if (it != config_.host_domains.end() && it->second.size() == 1) return it->second.front();
    return host;
}

void Recorder::count_reply_locked(const std::string& domain, const std::string& code,
                                  std::uint64_t recipients) {
    DomainStats& stats = domains_[domain];
    stats.attempts += recipients;
    stats.replies[code] += recipients;
    receiver_replies_[code] += recipients;
}

void Recorder::on_receiver(const fakemx::ReceiverEvent& event) {
    const double at = now_s();
    std::lock_guard lock(mutex_);
    if (event.kind == fakemx::ReceiverEvent::Kind::accepted) {
        ++counts_.arrivals;
        ++hosts_accepted_[std::string(event.host)];
        if (event.mail_from.empty()) {
            on_dsn_locked(event, at);
        } else {
            on_arrival_locked(event, at);
        }
        return;
    }
    deliverability_.on_receiver(event, std::nullopt);
    // A refusal, or a drop (the client sees a lost connection: a temporary failure).
    std::string code =
        event.kind == fakemx::ReceiverEvent::Kind::dropped ? "dropped" : std::to_string(event.code);
    bool temporary = event.kind == fakemx::ReceiverEvent::Kind::dropped ||
                     (event.code >= 400 && event.code < 500);
    if (event.recipients.empty()) {
        std::string domain = refusal_domain(std::string(event.host));
        count_reply_locked(domain, code, 1);
        if (temporary) {
            ++domains_[domain].deferred;
            ++counts_.deferred;
            timeline_.add(at, TimelineSeries::deferred);
        }
        return;
    }
    for (const auto& recipient : event.recipients) {
        std::string domain = domain_of(recipient);
        count_reply_locked(domain, code, 1);
        if (temporary) {
            ++domains_[domain].deferred;
            ++counts_.deferred;
            timeline_.add(at, TimelineSeries::deferred);
        }
    }
}

void Recorder::on_arrival_locked(const fakemx::ReceiverEvent& event, double at) {
    for (const auto& recipient : event.recipients) {
        std::string domain = domain_of(recipient);
        count_reply_locked(domain, "250", 1);
        ++domains_[domain].delivered;
    }
    if (event.auth != nullptr) {
        ++auth_["spf"][std::string(event.auth->spf)];
        ++auth_["dkim"][std::string(event.auth->dkim)];
        ++auth_["dmarc"][std::string(event.auth->dmarc)];
        ++auth_["arc"][std::string(event.auth->arc)];
    }
    if (event.tls != nullptr && event.tls->active) {
        ++tls_versions_[event.tls->version];
        ++tls_ciphers_[event.tls->cipher];
    } else {
        ++tls_versions_["none"];
    }
    auto n = message_number(tracking_id_in_headers(event.content), config_.run_id);
    MessageState* state = n ? state_locked(*n) : nullptr;
    deliverability_.on_receiver(event, state ? n : std::nullopt);
    if (state == nullptr) {
        ++foreign_arrivals_;
        return;
    }
    std::uint64_t arriving = event.recipients.size();
    std::uint64_t room =
        state->recipients > state->arrived ? state->recipients - state->arrived : 0;
    if (arriving > room) {
        counts_.duplicates += arriving - room;
        arriving = room;
    }
    state->arrived = static_cast<std::uint16_t>(state->arrived + arriving);
    if (state->arrived >= state->recipients && state->recipients > 0 &&
        !(state->flags & flag_delivered)) {
        state->flags |= flag_delivered;
        ++counts_.delivered;
        timeline_.add(at, TimelineSeries::delivered);
        last_delivery_s_ = at;
        if (state->intended_us >= 0)
            end_to_end_latency_.record(micros(std::chrono::steady_clock::now() - config_.start) -
                                       state->intended_us);
    }
}

void Recorder::on_dsn_locked(const fakemx::ReceiverEvent& event, double at) {
    DsnFacts dsn = scan_dsn(event.content);
    dsn_delayed_ += dsn.delayed;
    if (dsn.failed.empty()) return;  // a delay warning or a success notice: not a bounce
    for (const auto& recipient : dsn.failed)
        ++domains_[domain_of(recipient)].bounced;
    auto n = message_number(dsn.tracking_id, config_.run_id);
    MessageState* state = n ? state_locked(*n) : nullptr;
    if (state == nullptr) {
        ++foreign_arrivals_;
        return;
    }
    state->bounced = static_cast<std::uint16_t>(
        std::min<std::size_t>(state->bounced + dsn.failed.size(), 65535));
    if (!(state->flags & flag_bounced) && !(state->flags & flag_delivered)) {
        state->flags |= flag_bounced;
        ++counts_.bounced;
        timeline_.add(at, TimelineSeries::bounced);
    }
}

nlohmann::json Recorder::deliverability(const DeliverabilityInputs& inputs) const {
    std::lock_guard lock(mutex_);
    if (!config_.deliverability && !deliverability_.saw_deliverability()) return nullptr;
    return deliverability_.to_json(inputs);
}

nlohmann::json Recorder::shard_measures() const {
    std::lock_guard lock(mutex_);
    auto seconds = [](double s) { return std::round(s * 1000) / 1000; };
    return {{"histograms",
             {{"submit", submit_latency_.to_json(true)},
              {"end_to_end", end_to_end_latency_.to_json(true)}}},
            {"last_accept_s", seconds(last_accept_s_)},
            {"last_delivery_s", seconds(last_delivery_s_)}};
}

RecorderCounts Recorder::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

nlohmann::json Recorder::measured(double elapsed_s) const {
    std::lock_guard lock(mutex_);
    nlohmann::json out;
    out["totals"] = {{"submitted", counts_.submitted},  {"accepted", counts_.accepted},
                     {"rejected", counts_.rejected},    {"delivered", counts_.delivered},
                     {"deferred", counts_.deferred},    {"bounced", counts_.bounced},
                     {"duplicates", counts_.duplicates}};
    auto rate = [](std::uint64_t count, double over_s) {
        return over_s > 0 ? std::round(static_cast<double>(count) / over_s * 10) / 10 : 0.0;
    };
    out["throughput"] = {{"submit_per_s", rate(counts_.accepted, last_accept_s_)},
                         {"delivered_per_s", rate(counts_.delivered, last_delivery_s_)},
                         {"timeline_step_s", timeline_.step_s()},
                         {"timeline", timeline_.to_json(elapsed_s)}};
    out["latency_ms"] = {{"submit", summary_json(submit_latency_)},
                         {"end_to_end", summary_json(end_to_end_latency_)},
                         {"histograms",
                          {{"submit", coarse_buckets(submit_latency_)},
                           {"end_to_end", coarse_buckets(end_to_end_latency_)}}}};
    nlohmann::json domains = nlohmann::json::array();
    for (const auto& [name, stats] : domains_) {
        domains.push_back({{"domain", name},
                           {"recipients", stats.recipients},
                           {"delivered", stats.delivered},
                           {"deferred", stats.deferred},
                           {"bounced", stats.bounced},
                           {"attempts", stats.attempts},
                           {"replies", stats.replies}});
    }
    out["domains"] = std::move(domains);
    out["replies"] = {{"submission", submission_replies_}, {"receivers", receiver_replies_}};
    out["failures"] = {{"submission", submission_failures_}};
    nlohmann::json auth = nlohmann::json::object();
    for (const char* method : {"spf", "dkim", "dmarc", "arc"}) {
        auto it = auth_.find(method);
        auth[method] = it == auth_.end() ? nlohmann::json::object() : nlohmann::json(it->second);
    }
    out["auth"] = std::move(auth);
    out["tls"] = {{"versions", tls_versions_}, {"ciphers", tls_ciphers_}};
    out["hosts_accepted"] = hosts_accepted_;
    out["foreign_arrivals"] = foreign_arrivals_;
    out["dsn_delayed"] = dsn_delayed_;
    return out;
}

}  // namespace relaylab::runner
