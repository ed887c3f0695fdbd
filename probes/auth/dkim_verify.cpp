#include "probes/auth/dkim_verify.hpp"

#include "probes/auth/dkim_key_cache.hpp"

#include <algorithm>
#include <chrono>

#include "probes/auth/dkim_tags.hpp"

namespace relaylab::auth {
namespace {

std::int64_t clock_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string_view dns_status_text(DnsStatus status) {
    switch (status) {
        case DnsStatus::ok:
            return "no records";
        case DnsStatus::nxdomain:
            return "NXDOMAIN";
        case DnsStatus::nodata:
            return "no TXT record";
        case DnsStatus::servfail:
            return "SERVFAIL";
        case DnsStatus::timeout:
            return "timeout";
        case DnsStatus::refused:
            return "REFUSED";
    }
    return "?";
}

// What can be reported of a signature that does not parse.
void fill_from_tags(DkimVerdict& verdict, const HeaderField& field) {
    TagListResult tags = parse_tag_list(field.value());
    if (!tags.ok()) return;
    if (const Tag* d = tags.list.find("d")) verdict.domain = to_lower(d->value);
    if (const Tag* s = tags.list.find("s")) verdict.selector = s->value;
    if (const Tag* a = tags.list.find("a")) verdict.algorithm = a->value;
}

}  // namespace

std::string_view dkim_result_name(DkimResult result) {
    switch (result) {
        case DkimResult::none:
            return "none";
        case DkimResult::pass:
            return "pass";
        case DkimResult::fail:
            return "fail";
        case DkimResult::policy:
            return "policy";
        case DkimResult::neutral:
            return "neutral";
        case DkimResult::temperror:
            return "temperror";
        case DkimResult::permerror:
            return "permerror";
    }
    return "permerror";
}

KeyOutcome key_from_answer(const DnsAnswer& answer, const Signature& signature) {
    KeyOutcome outcome;
    std::string name = key_record_name(signature);
    if (answer.status == DnsStatus::servfail || answer.status == DnsStatus::timeout ||
        answer.status == DnsStatus::refused) {
        outcome.result = DkimResult::temperror;
        outcome.reason =
            "key lookup " + name + " failed: " + std::string(dns_status_text(answer.status));
        return outcome;
    }
    if (answer.status != DnsStatus::ok || answer.records.empty()) {
        // 6.1.2: no key record -> PERMFAIL (no key for signature).
        outcome.reason =
            "key not found: " + name + " (" + std::string(dns_status_text(answer.status)) + ")";
        return outcome;
    }
    // 3.6.2.2: several TXT records are ambiguous; take the first that is a key record.
    KeyRecordResult parsed;
    for (const std::string& txt : answer.records) {
        if (auto cached = cached_key_record(txt)) {
            parsed.record = std::move(cached);
            break;
        }
        parsed = parse_key_record(txt);
        if (parsed.record) {
            cache_key_record(txt, *parsed.record);
            break;
        }
    }
    if (!parsed.record) {
        outcome.reason = "bad key record at " + name + ": " + parsed.error;
        return outcome;
    }
    KeyRecord& record = *parsed.record;
    if (record.revoked) {
        outcome.reason = "key revoked: " + name + " has an empty p= (RFC 6376 3.6.1)";
        return outcome;
    }
    if (record.type != algorithm_key_type(signature.algorithm)) {
        outcome.reason = "key type k=" + std::string(key_type_name(record.type)) +
                         " does not match a=" + std::string(algorithm_name(signature.algorithm));
        return outcome;
    }
    if (!record.hashes.empty() &&
        std::find(record.hashes.begin(), record.hashes.end(), "sha256") == record.hashes.end()) {
        outcome.reason = "key h= does not allow sha256";
        return outcome;
    }
    if (!record.services.empty() &&
        std::find(record.services.begin(), record.services.end(), "*") == record.services.end() &&
        std::find(record.services.begin(), record.services.end(), "email") ==
            record.services.end()) {
        outcome.reason = "key s= does not allow email";
        return outcome;
    }
    if (record.type == KeyType::rsa && record.key->bits() < min_rsa_bits) {
        outcome.reason = "RSA key of " + std::to_string(record.key->bits()) +
                         " bits is too small (RFC 8301 3.2 requires 1024)";
        return outcome;
    }
    if (record.strict_identity && signature.kind == SignatureKind::dkim) {
        std::size_t at = signature.identity.rfind('@');
        std::string id_domain = to_lower(signature.identity.substr(at + 1));
        if (id_domain != signature.domain) {
            outcome.reason = "key t=s forbids the subdomain identity i=" + signature.identity;
            return outcome;
        }
    }
    outcome.result = DkimResult::pass;
    outcome.record = std::move(record);
    return outcome;
}

const std::string& BodyCache::canonical(Canon canon) {
    auto& slot = canonical_[canon == Canon::simple ? 0 : 1];
    if (!slot) slot = canon_body(canon, body_);
    return *slot;
}

std::string signed_header_data(const std::vector<HeaderField>& headers,
                               const std::vector<std::string>& names, Canon canon,
                               std::string_view signature_field_without_b) {
    std::string data;
    for (const HeaderField* field : select_headers(headers, names))
        data += canon_header(canon, field->raw);
    std::string own = canon_header(canon, signature_field_without_b);
    own.resize(own.size() - 2);  // 3.7: without the trailing CRLF
    data += own;
    return data;
}

Check check_signature(const ParsedMessage& message, const Signature& signature,
                      const KeyRecord& key, BodyCache& bodies) {
    Check check;
    const std::string& body = bodies.canonical(signature.body_canon);
    std::string_view hashed = body;
    if (signature.body_length) {
        if (*signature.body_length > body.size()) {
            check.result = DkimResult::fail;
            check.reason = "l=" + std::to_string(*signature.body_length) +
                           " is longer than the canonicalized body (" +
                           std::to_string(body.size()) + " octets)";
            return check;
        }
        hashed = hashed.substr(0, *signature.body_length);
    }
    if (sha256(hashed) != signature.body_hash) {
        check.result = DkimResult::fail;
        check.reason = "body hash mismatch (the body was changed after signing)";
        return check;
    }
    std::string data = signed_header_data(message.headers, signature.signed_headers,
                                          signature.header_canon, signature.raw_field_without_b);
    if (!key.key->verify(data, signature.signature)) {
        check.result = DkimResult::fail;
        check.reason = "signature did not verify (signed header fields changed, or wrong key)";
        return check;
    }
    check.result = DkimResult::pass;
    check.reason = "signature verified";
    return check;
}

DkimVerifier::DkimVerifier(std::string_view message, DkimVerifyOptions options)
    : options_(options) {
    MessageParseResult parsed = parse_message(message);
    if (!parsed.message) {
        message_error_ = parsed.error;
        return;
    }
    message_ = std::move(parsed.message);
    for (const HeaderField& field : message_->headers) {
        if (!iequals(field.name(), "DKIM-Signature")) continue;
        if (pending_.size() == options_.max_signatures) break;
        Pending entry;
        SignatureParseResult sig = parse_signature(field, SignatureKind::dkim);
        if (!sig.signature) {
            entry.verdict.result = DkimResult::permerror;
            entry.verdict.reason = "bad signature field: " + sig.error;
            fill_from_tags(entry.verdict, field);
            pending_.push_back(std::move(entry));
            continue;
        }
        const Signature& s = *sig.signature;
        entry.verdict.domain = s.domain;
        entry.verdict.selector = s.selector;
        entry.verdict.algorithm = std::string(algorithm_name(s.algorithm));
        entry.verdict.identity = s.identity;
        entry.verdict.header_b = s.b_base64.substr(0, 8);
        std::int64_t now = options_.now.value_or(clock_now());
        if (s.expiration && static_cast<std::int64_t>(*s.expiration) < now) {
            entry.verdict.result = DkimResult::permerror;
            entry.verdict.reason = "signature expired (x=" + std::to_string(*s.expiration) + ")";
            pending_.push_back(std::move(entry));
            continue;
        }
        std::string name = to_lower(key_record_name(s));
        if (std::find(to_ask_.begin(), to_ask_.end(), name) == to_ask_.end() &&
            answers_.count(name) == 0)
            to_ask_.push_back(name);
        entry.signature = std::move(sig.signature);
        pending_.push_back(std::move(entry));
    }
}

std::optional<DnsQuery> DkimVerifier::next_query() {
    if (to_ask_.empty()) return std::nullopt;
    DnsQuery query{to_ask_.front(), RrType::txt};
    to_ask_.erase(to_ask_.begin());
    return query;
}

void DkimVerifier::provide(const DnsQuery& query, const DnsAnswer& answer) {
    if (query.type != RrType::txt) return;
    answers_[to_lower(query.name)] = answer;
}

std::vector<DkimVerdict> DkimVerifier::results() {
    std::vector<DkimVerdict> verdicts;
    if (!message_) {
        DkimVerdict verdict;
        verdict.result = DkimResult::permerror;
        verdict.reason = "message is malformed: " + message_error_;
        verdicts.push_back(verdict);
        return verdicts;
    }
    BodyCache bodies(message_->body);
    for (Pending& entry : pending_) {
        if (entry.signature) {
            const Signature& sig = *entry.signature;
            DkimVerdict& verdict = entry.verdict;
            auto answer = answers_.find(to_lower(key_record_name(sig)));
            if (answer == answers_.end()) {
                verdict.result = DkimResult::temperror;
                verdict.reason = "no DNS answer for " + key_record_name(sig);
            } else {
                KeyOutcome key = key_from_answer(answer->second, sig);
                if (!key.record) {
                    verdict.result = key.result;
                    verdict.reason = key.reason;
                } else {
                    verdict.key_bits = key.record->key->bits();
                    verdict.testing = key.record->testing;
                    Check check = check_signature(*message_, sig, *key.record, bodies);
                    verdict.result = check.result;
                    verdict.reason = check.reason;
                }
            }
            entry.signature.reset();  // verdict is final now
        }
        verdicts.push_back(entry.verdict);
    }
    return verdicts;
}

std::vector<DkimVerdict> verify_dkim(std::string_view message, DnsLookup& dns,
                                     DkimVerifyOptions options) {
    DkimVerifier verifier(message, options);
    while (auto query = verifier.next_query())
        verifier.provide(*query, dns.lookup(*query));
    return verifier.results();
}

}  // namespace relaylab::auth
