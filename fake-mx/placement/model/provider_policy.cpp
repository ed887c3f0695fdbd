#include "fake-mx/placement/model/provider_policy.hpp"

#include <cstdio>

namespace relaylab::placement {

namespace {

// What fits a 512-octet reply line (RFC 5321 4.5.3.1.5) after "NNN X.YYY.ZZZ " and CRLF; the
// behaviour module's max_reply_text, which this sans-I/O library cannot include.
constexpr std::size_t max_reply_text = 490;
// A hostile From domain quoted into a reply or a reason stays short.
constexpr std::size_t max_quoted = 255;

std::string sanitized(std::string_view text) {
    std::string out(text.substr(0, max_quoted));
    for (char& c : out) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) c = '?';
    }
    return out;
}

void replace_all(std::string& line, std::string_view name, const std::string& value) {
    for (auto at = line.find(name); at != std::string::npos; at = line.find(name, at)) {
        line.replace(at, name.size(), value);
        at += value.size();
    }
}

// Fills {client_ip} and {from_domain}; values cannot break the reply framing.
smtp::Reply expand(const smtp::Reply& reply, const MessageFacts& facts) {
    smtp::Reply out = reply;
    const std::string ip = sanitized(facts.client_ip);
    const std::string domain = facts.from_domain.empty() ? std::string("the sender's domain")
                                                         : sanitized(facts.from_domain);
    for (std::string& line : out.lines) {
        replace_all(line, "{client_ip}", ip);
        replace_all(line, "{from_domain}", domain);
        if (line.size() > max_reply_text) line.resize(max_reply_text);
    }
    return out;
}

// A From domain's case does not make it another sender (RFC 4343).
std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string word(std::string_view verdict) {
    return verdict.empty() ? std::string("not evaluated") : sanitized(verdict);
}

std::string format_score(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

std::string format_percent(double rate) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%%", rate * 100);
    return text;
}

std::string format_window(std::chrono::seconds window) {
    auto s = window.count();
    if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
    if (s % 60 == 0) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
}

// Carries the decision through the checks: the first reply ends them, spam is remembered.
struct Verdict {
    PolicyDecision decision;
    bool done = false;

    void fail(const PolicyAction& action, std::string reason, const MessageFacts& facts) {
        if (done) return;
        if (action.reply) {
            decision.reply = expand(*action.reply, facts);
            decision.placement =
                action.reply->transient() ? Placement::deferred : Placement::rejected;
            decision.reason = std::move(reason);
            done = true;
        } else if (decision.placement == Placement::inbox) {
            // The first reason to file as spam is the one reported.
            decision.placement = Placement::spam;
            decision.reason = std::move(reason);
        }
    }
};

void check(const Requirements& required, const PolicyActions& actions, const MessageFacts& facts,
           std::string_view who, Verdict& verdict) {
    const std::string prefix(who);
    if (required.fcrdns) {
        if (!facts.fcrdns) {
            verdict.fail(actions.fcrdns_unknown,
                         prefix + "reverse DNS of " + sanitized(facts.client_ip) +
                             " could not be checked (DNS failure)",
                         facts);
        } else if (!*facts.fcrdns) {
            verdict.fail(actions.fcrdns,
                         prefix + "no forward-confirmed PTR for " + sanitized(facts.client_ip),
                         facts);
        }
    }
    if (required.tls && !facts.tls) {
        verdict.fail(actions.tls, prefix + "not sent over TLS", facts);
    }
    if (required.spf_or_dkim && facts.auth.spf != "pass" && facts.auth.dkim != "pass") {
        verdict.fail(actions.spf_or_dkim,
                     prefix + "unauthenticated: neither SPF (" + word(facts.auth.spf) +
                         ") nor DKIM (" + word(facts.auth.dkim) + ") passed",
                     facts);
    }
    if (required.spf && facts.auth.spf != "pass") {
        verdict.fail(actions.spf, prefix + "SPF did not pass (spf=" + word(facts.auth.spf) + ")",
                     facts);
    }
    if (required.dkim && facts.auth.dkim != "pass") {
        verdict.fail(actions.dkim,
                     prefix + "DKIM did not pass (dkim=" + word(facts.auth.dkim) + ")", facts);
    }
    if (required.dmarc && facts.auth.dmarc != "pass") {
        verdict.fail(actions.dmarc,
                     prefix + "DMARC did not pass (dmarc=" + word(facts.auth.dmarc) + ")", facts);
    }
    if (required.one_click) {
        const ListUnsubscribe* lu = facts.list_unsubscribe;
        if (lu == nullptr || !lu->one_click()) {
            std::string why = lu == nullptr || !lu->present ? std::string("no List-Unsubscribe")
                              : lu->problem.empty()         ? std::string("not one-click")
                                                            : sanitized(lu->problem);
            verdict.fail(actions.one_click,
                         prefix + "no RFC 8058 one-click unsubscribe (" + why + ")", facts);
        }
    }
}

}  // namespace

std::string_view to_string(VolumeKey key) {
    switch (key) {
        case VolumeKey::from_domain:
            return "from_domain";
        case VolumeKey::client_ip:
            return "client_ip";
    }
    return "from_domain";
}

ProviderPolicy default_provider_policy() {
    // Gmail's texts (support.google.com/a/answer/3726730, "Gmail SMTP errors and codes").
    ProviderPolicy policy;
    PolicyActions& a = policy.actions;
    a.spf_or_dkim = PolicyAction::refuse(smtp::make_reply(
        550, "5.7.26",
        "This mail has been blocked because the sender is unauthenticated. Gmail requires all "
        "senders to authenticate with either SPF or DKIM."));
    a.spf = PolicyAction::refuse(smtp::make_reply(
        550, "5.7.27",
        "This mail has been blocked because SPF does not pass. Gmail requires all bulk email "
        "senders to authenticate their email with SPF."));
    a.dkim = PolicyAction::refuse(smtp::make_reply(
        550, "5.7.30",
        "This mail has been blocked because DKIM does not pass. Gmail requires all large "
        "senders to authenticate with DKIM."));
    a.dmarc = PolicyAction::refuse(smtp::make_reply(
        550, "5.7.26",
        "Unauthenticated email from {from_domain} is not accepted because it does not pass "
        "DMARC. Gmail requires all bulk email senders to pass DMARC with alignment."));
    a.fcrdns = PolicyAction::refuse(smtp::make_reply(
        550, "5.7.25",
        "The IP address sending this message does not have a PTR record setup, or the "
        "corresponding forward DNS entry does not point to the sending IP. As a policy, Gmail "
        "does not accept messages from IPs with missing PTR records."));
    a.fcrdns_unknown = PolicyAction::refuse(smtp::make_reply(
        451, "4.7.25",
        "The PTR record of {client_ip} could not be checked because of a temporary DNS "
        "failure. Please try again later."));
    a.tls = PolicyAction::refuse(smtp::make_reply(
        421, "4.7.29",
        "Your email has been rate limited because this message wasn't sent over a TLS "
        "connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP "
        "connections."));
    a.one_click = PolicyAction::spam_folder();
    a.dmarc_reject = PolicyAction::refuse(smtp::make_reply(
        550, "5.7.26",
        "Unauthenticated email from {from_domain} is not accepted due to domain's DMARC "
        "policy. Please contact the administrator of {from_domain} domain if this was a "
        "legitimate mail."));
    a.dmarc_quarantine = PolicyAction::spam_folder();
    a.spam_reject = PolicyAction::refuse(smtp::make_reply(
        550, "5.7.1",
        "Our system has detected that this message is likely unsolicited mail. To reduce the "
        "amount of spam sent to Gmail, this message has been blocked."));
    return policy;
}

ComplaintRule default_complaint_rule() {
    ComplaintRule rule;
    // Gmail's reply to "an unusual rate of unsolicited mail" (support.google.com/a/answer/
    // 3726730): the same 4.7.28 as its volume limit, which is how Gmail answers a spam rate
    // past its 0.3 % (support.google.com/mail/answer/81126).
    rule.action = PolicyAction::refuse(smtp::make_reply(
        421, "4.7.28",
        "Gmail has detected an unusual rate of unsolicited mail originating from your domain "
        "{from_domain}. To protect our users from spam, mail sent from your domain has been "
        "temporarily rate limited."));
    return rule;
}

PolicyDecision default_placement(const SpamScore* spam) {
    PolicyDecision decision;
    if (spam != nullptr && spam->scored && spam->score >= spam->threshold) {
        decision.placement = Placement::spam;
        decision.reason =
            "spam score " + format_score(spam->score) + " >= " + format_score(spam->threshold);
    }
    return decision;
}

ProviderJudge::ProviderJudge(ProviderPolicy policy, std::size_t max_tracked_entries)
    : policy_(std::move(policy)),
      domains_(max_tracked_entries),
      volume_(max_tracked_entries),
      complaints_(max_tracked_entries) {}

ProviderJudge::ComplaintWindow& ProviderJudge::renew(ComplaintWindow& window,
                                                     std::chrono::seconds length,
                                                     Clock::time_point now) {
    if ((window.inbox == 0 && window.complaints == 0) || now - window.start >= length) {
        window = ComplaintWindow{now, 0, 0};
    }
    return window;
}

std::uint64_t ProviderJudge::current(const Window& window, std::chrono::seconds length,
                                     Clock::time_point now) {
    return now - window.start >= length ? 0 : window.count;
}

void ProviderJudge::add(Window& window, std::chrono::seconds length, Clock::time_point now) {
    if (window.count == 0 || now - window.start >= length) {
        window.start = now;
        window.count = 0;
    }
    ++window.count;
}

std::string ProviderJudge::volume_key(std::size_t rule, const MessageFacts& facts) const {
    std::string key = std::to_string(rule) + '|';
    if (policy_.volume[rule].per == VolumeKey::client_ip) {
        key += facts.client_ip;
    } else {
        key += lower(facts.from_domain);
    }
    return key;
}

PolicyDecision ProviderJudge::judge(const MessageFacts& facts, Clock::time_point now) {
    Verdict verdict;
    const std::string domain_key = lower(facts.from_domain);
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < policy_.volume.size(); ++i) {
            const VolumeRule& rule = policy_.volume[i];
            if (rule.per == VolumeKey::from_domain && facts.from_domain.empty()) continue;
            const Window* window = volume_.peek(volume_key(i, facts));
            if (window != nullptr && current(*window, rule.window, now) >= rule.max) {
                verdict.fail(
                    PolicyAction::refuse(rule.reply),
                    "volume: over " + std::to_string(rule.max) + " per " +
                        format_window(rule.window) + " per " +
                        (rule.per == VolumeKey::client_ip ? "client IP " : "sending domain ") +
                        sanitized(rule.per == VolumeKey::client_ip ? facts.client_ip
                                                                   : facts.from_domain),
                    facts);
                break;
            }
        }
        if (policy_.complaints && !domain_key.empty()) {
            const ComplaintRule& rule = *policy_.complaints;
            const ComplaintWindow* window = complaints_.peek(domain_key);
            if (window != nullptr && now - window->start < rule.window &&
                window->inbox >= rule.min_messages && window->inbox > 0) {
                const double rate =
                    static_cast<double>(window->complaints) / static_cast<double>(window->inbox);
                if (rate > rule.max_rate) {
                    verdict.fail(rule.action,
                                 "complaints: " + std::to_string(window->complaints) + " of " +
                                     std::to_string(window->inbox) + " inbox messages (" +
                                     format_percent(rate) + ") over " +
                                     format_percent(rule.max_rate) + " per " +
                                     format_window(rule.window) + " for sending domain " +
                                     sanitized(facts.from_domain),
                                 facts);
                }
            }
        }
        if (policy_.bulk_threshold == 0) {
            verdict.decision.bulk = true;
        } else if (!domain_key.empty()) {
            if (const DomainState* state = domains_.peek(domain_key)) {
                verdict.decision.bulk = state->bulk_sender;
            }
        }
    }
    if (verdict.done) return verdict.decision;

    check(policy_.all, policy_.actions, facts, "", verdict);
    if (!verdict.done && policy_.enforce_dmarc_policy && facts.auth.dmarc == "fail") {
        if (facts.auth.dmarc_policy == "reject") {
            verdict.fail(policy_.actions.dmarc_reject, "DMARC fail with p=reject", facts);
        } else if (facts.auth.dmarc_policy == "quarantine") {
            verdict.fail(policy_.actions.dmarc_quarantine, "DMARC fail with p=quarantine", facts);
        }
    }
    if (!verdict.done && verdict.decision.bulk) {
        check(policy_.bulk, policy_.actions, facts, "bulk sender: ", verdict);
    }
    if (!verdict.done && facts.spam != nullptr && facts.spam->scored) {
        const double score = facts.spam->score;
        const double folder_at = policy_.spam.folder_at.value_or(facts.spam->threshold);
        if (policy_.spam.reject_at && score >= *policy_.spam.reject_at) {
            verdict.fail(policy_.actions.spam_reject,
                         "spam score " + format_score(score) +
                             " >= " + format_score(*policy_.spam.reject_at),
                         facts);
        } else if (score >= folder_at) {
            verdict.fail(PolicyAction::spam_folder(),
                         "spam score " + format_score(score) + " >= " + format_score(folder_at),
                         facts);
        }
    }
    return verdict.decision;
}

void ProviderJudge::message_accepted(const MessageFacts& facts, Clock::time_point now,
                                     Placement placement, std::uint64_t recipients) {
    std::lock_guard lock(mutex_);
    if (policy_.complaints && placement == Placement::inbox && !facts.from_domain.empty()) {
        ComplaintWindow& window =
            renew(complaints_.get_or_insert(lower(facts.from_domain), ComplaintWindow{}),
                  policy_.complaints->window, now);
        window.inbox += recipients;
    }
    for (std::size_t i = 0; i < policy_.volume.size(); ++i) {
        const VolumeRule& rule = policy_.volume[i];
        if (rule.per == VolumeKey::from_domain && facts.from_domain.empty()) continue;
        add(volume_.get_or_insert(volume_key(i, facts), Window{}), rule.window, now);
    }
    if (policy_.bulk_threshold == 0 || facts.from_domain.empty()) return;
    DomainState& state = domains_.get_or_insert(lower(facts.from_domain), DomainState{});
    add(state.bulk, policy_.bulk_window, now);
    if (state.bulk.count >= policy_.bulk_threshold) state.bulk_sender = true;
}

void ProviderJudge::complaint(std::string_view from_domain, Clock::time_point now) {
    if (!policy_.complaints || from_domain.empty()) return;
    std::lock_guard lock(mutex_);
    ComplaintWindow& window =
        renew(complaints_.get_or_insert(lower(from_domain), ComplaintWindow{}),
              policy_.complaints->window, now);
    ++window.complaints;
}

std::size_t ProviderJudge::tracked_entries() const {
    std::lock_guard lock(mutex_);
    return domains_.size() + volume_.size() + complaints_.size();
}

}  // namespace relaylab::placement
