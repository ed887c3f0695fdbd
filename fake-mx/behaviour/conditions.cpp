#include "fake-mx/behaviour/conditions.hpp"

#include <algorithm>

#include "fake-mx/behaviour/glob.hpp"

namespace relaylab::fakemx {

namespace {

bool sender_matches(const std::string& pattern, std::string_view mail_from) {
    // "<>" is how people write the null sender (RFC 5321 4.5.5, bounces).
    if (pattern == "<>") return mail_from.empty();
    return glob_match(pattern, mail_from);
}

template <typename Match>
bool any_pattern(const std::vector<std::string>& patterns, Match&& match) {
    return std::any_of(patterns.begin(), patterns.end(), match);
}

// At RCPT the recipient being decided; after it, the transaction's accepted recipients.
template <typename Test>
bool any_recipient(const Facts& facts, Test&& test) {
    if (facts.phase == smtp::Phase::rcpt) return test(facts.recipient);
    return std::any_of(facts.recipients.begin(), facts.recipients.end(),
                       [&](const std::string& r) { return test(std::string_view(r)); });
}

bool equal_folded(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        return fold(x) == fold(y);
    });
}

bool verdict_matches(const std::vector<std::string>& wanted, const AuthFacts* auth,
                     std::string AuthFacts::*field) {
    if (wanted.empty()) return true;
    if (auth == nullptr) return false;  // not evaluated: no verdict can match
    std::string_view actual = auth->*field;
    return std::any_of(wanted.begin(), wanted.end(),
                       [&](const std::string& w) { return equal_folded(w, actual); });
}

}  // namespace

bool conditions_hold(const Conditions& when, const Facts& facts, std::uint64_t attempt,
                     const std::optional<net::IpAddress>& client_ip) {
    if (when.tls && *when.tls != facts.tls) return false;
    if (when.connection && !when.connection->contains(facts.connection_number)) return false;
    if (when.message && !when.message->contains(facts.message_number)) return false;
    if (when.attempt && !when.attempt->contains(attempt)) return false;
    if (!when.client_ip.empty()) {
        if (!client_ip) return false;
        if (std::none_of(when.client_ip.begin(), when.client_ip.end(),
                         [&](const net::IpRange& range) { return range.contains(*client_ip); })) {
            return false;
        }
    }
    if (!when.helo.empty() &&
        !any_pattern(when.helo, [&](const std::string& p) { return glob_match(p, facts.helo); })) {
        return false;
    }
    if (!when.sender.empty() && !any_pattern(when.sender, [&](const std::string& p) {
            return sender_matches(p, facts.mail_from);
        })) {
        return false;
    }
    if (!when.recipient.empty() && !any_recipient(facts, [&](std::string_view r) {
            return any_pattern(when.recipient,
                               [&](const std::string& p) { return glob_match(p, r); });
        })) {
        return false;
    }
    if (!when.domain.empty() && !any_recipient(facts, [&](std::string_view r) {
            return any_pattern(when.domain,
                               [&](const std::string& p) { return glob_match(p, domain_of(r)); });
        })) {
        return false;
    }
    if (when.spam_score_min || when.spam_score_max) {
        if (!facts.spam_score) return false;
        if (when.spam_score_min && *facts.spam_score < *when.spam_score_min) return false;
        if (when.spam_score_max && *facts.spam_score > *when.spam_score_max) return false;
    }
    return verdict_matches(when.spf, facts.auth, &AuthFacts::spf) &&
           verdict_matches(when.dkim, facts.auth, &AuthFacts::dkim) &&
           verdict_matches(when.dmarc, facts.auth, &AuthFacts::dmarc) &&
           verdict_matches(when.arc, facts.auth, &AuthFacts::arc) &&
           verdict_matches(when.dmarc_policy, facts.auth, &AuthFacts::dmarc_policy);
}

}  // namespace relaylab::fakemx
