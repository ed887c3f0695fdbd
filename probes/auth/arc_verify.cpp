#include "probes/auth/arc_verify.hpp"

#include <algorithm>

namespace relaylab::auth {

ArcVerifier::ArcVerifier(std::string_view message, DkimVerifyOptions options) : options_(options) {
    MessageParseResult parsed = parse_message(message);
    if (!parsed.message) {
        early_ = ArcVerdict{};
        early_->result = ArcResult::fail;
        early_->reason = "message is malformed: " + parsed.error;
        return;
    }
    message_ = std::move(parsed.message);
    chain_ = collect_arc_chain(*message_);
    if (!chain_.present) {
        early_ = ArcVerdict{};
        early_->reason = "no ARC header fields";
        return;
    }
    ArcVerdict verdict;
    verdict.instances = chain_.highest_instance;
    // 5.2 step 2: a chain already marked failed stays failed.
    if (chain_.highest_cv == "fail") {
        verdict.result = ArcResult::fail;
        verdict.reason = "ARC-Seal i=" + std::to_string(chain_.highest_instance) + " says cv=fail";
        verdict.failed_instance = chain_.highest_instance;
        early_ = verdict;
        return;
    }
    if (!chain_.structure_ok) {
        verdict.result = ArcResult::fail;
        verdict.reason = chain_.error;
        early_ = verdict;
        return;
    }
    auto ask = [&](const Signature& signature) {
        std::string name = to_lower(key_record_name(signature));
        if (std::find(to_ask_.begin(), to_ask_.end(), name) == to_ask_.end())
            to_ask_.push_back(name);
    };
    ask(*chain_.sets.back().ams_signature);
    for (const ArcSet& set : chain_.sets)
        ask(*set.as_signature);
}

std::optional<DnsQuery> ArcVerifier::next_query() {
    if (to_ask_.empty()) return std::nullopt;
    DnsQuery query{to_ask_.front(), RrType::txt};
    to_ask_.erase(to_ask_.begin());
    return query;
}

void ArcVerifier::provide(const DnsQuery& query, const DnsAnswer& answer) {
    if (query.type == RrType::txt) answers_[to_lower(query.name)] = answer;
}

ArcVerdict ArcVerifier::result() {
    if (early_) return *early_;
    ArcVerdict verdict;
    verdict.instances = chain_.highest_instance;
    const ArcSet& newest = chain_.sets.back();
    verdict.ams_domain = newest.ams_signature->domain;
    verdict.ams_selector = newest.ams_signature->selector;
    verdict.as_domain = newest.as_signature->domain;
    verdict.as_selector = newest.as_signature->selector;

    auto fail = [&](std::uint32_t instance, std::string reason, bool temporary) {
        verdict.result = ArcResult::fail;
        verdict.failed_instance = instance;
        verdict.reason = std::move(reason);
        verdict.temporary = temporary;
        return verdict;
    };
    auto key_for = [&](const Signature& signature) {
        auto it = answers_.find(to_lower(key_record_name(signature)));
        if (it == answers_.end()) {
            KeyOutcome missing;
            missing.result = DkimResult::temperror;
            missing.reason = "no DNS answer for " + key_record_name(signature);
            return missing;
        }
        return key_from_answer(it->second, signature);
    };

    // 5.2 step 4: the newest ARC-Message-Signature must verify.
    {
        const Signature& ams = *newest.ams_signature;
        KeyOutcome key = key_for(ams);
        std::string where = "ARC-Message-Signature i=" + std::to_string(newest.instance) + ": ";
        if (!key.record)
            return fail(newest.instance, where + key.reason, key.result == DkimResult::temperror);
        BodyCache bodies(message_->body);
        Check check = check_signature(*message_, ams, *key.record, bodies);
        if (check.result != DkimResult::pass)
            return fail(newest.instance, where + check.reason, false);
    }
    // 5.2 step 6: every ARC-Seal, newest first.
    for (std::size_t k = chain_.sets.size(); k-- > 0;) {
        const ArcSet& set = chain_.sets[k];
        const Signature& seal = *set.as_signature;
        std::string where = "ARC-Seal i=" + std::to_string(set.instance) + ": ";
        KeyOutcome key = key_for(seal);
        if (!key.record)
            return fail(set.instance, where + key.reason, key.result == DkimResult::temperror);
        std::string data = seal_signed_data(chain_.sets, k + 1, seal.raw_field_without_b);
        if (!key.record->key->verify(data, seal.signature))
            return fail(set.instance, where + "seal did not verify", false);
    }
    verdict.result = ArcResult::pass;
    verdict.reason = "chain of " + std::to_string(chain_.sets.size()) + " ARC set(s) verified";
    return verdict;
}

ArcVerdict verify_arc(std::string_view message, DnsLookup& dns, DkimVerifyOptions options) {
    ArcVerifier verifier(message, options);
    while (auto query = verifier.next_query())
        verifier.provide(*query, dns.lookup(*query));
    return verifier.result();
}

}  // namespace relaylab::auth
