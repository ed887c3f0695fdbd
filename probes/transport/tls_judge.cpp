#include "probes/transport/tls_judge.hpp"

#include <algorithm>
#include <cctype>

#include "probes/common/transcript.hpp"
#include "probes/transport/dane_match.hpp"

namespace relaylab::probe {

namespace {

constexpr std::int64_t seconds_per_day = 24 * 3600;

std::string upper(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (const auto& part : parts)
        out += (out.empty() ? "" : separator) + part;
    return out;
}

bool contains(const std::string& text, const char* part) {
    return text.find(part) != std::string::npos;
}

// Mechanisms that put the password itself on the wire (RFC 4616 PLAIN, the LOGIN draft).
bool cleartext_mechanism(const std::string& mechanism) {
    return mechanism == "PLAIN" || mechanism == "LOGIN";
}

nlohmann::json certificate_json(const CertificateFacts& c) {
    return {{"subject", c.subject},
            {"issuer", c.issuer},
            {"dns_names", c.dns_names},
            {"ip_addresses", c.ip_addresses},
            {"not_before", rfc3339_utc(c.not_before)},
            {"not_after", rfc3339_utc(c.not_after)},
            {"self_signed", c.self_signed},
            {"sha256", c.sha256_hex},
            {"spki_sha256", c.spki_sha256_hex}};
}

std::string certificate_line(std::size_t index, const CertificateFacts& c) {
    return "certificate " + std::to_string(index) + ": subject=" + c.subject +
           " issuer=" + c.issuer + " not_after=" + rfc3339_utc(c.not_after) +
           " sha256=" + c.sha256_hex + " spki_sha256=" + c.spki_sha256_hex;
}

}  // namespace

TlsEhloFacts ehlo_facts(const smtp::Reply& ehlo) {
    TlsEhloFacts facts;
    if (!ehlo.positive()) return facts;
    // The first line is the greeting name; keywords follow, one per line (RFC 5321 4.1.1.1).
    for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
        std::vector<std::string> words;
        std::string word;
        for (char c : ehlo.lines[i] + " ") {
            if (c == ' ' || c == '=') {  // "AUTH=LOGIN" is an old Outlook-era spelling
                if (!word.empty()) words.push_back(upper(word));
                word.clear();
            } else {
                word += c;
            }
        }
        if (words.empty()) continue;
        if (words[0] == "STARTTLS") facts.starttls = true;
        if (words[0] == "AUTH") {
            facts.auth = true;
            for (std::size_t w = 1; w < words.size(); ++w) {
                if (std::find(facts.auth_mechanisms.begin(), facts.auth_mechanisms.end(),
                              words[w]) == facts.auth_mechanisms.end())
                    facts.auth_mechanisms.push_back(words[w]);
            }
        }
    }
    return facts;
}

CheckResult judge_starttls(const StarttlsFacts& facts) {
    CheckResult result;
    result.name = "tls.starttls";
    result.add_evidence(facts.evidence);
    result.details["offered"] = facts.offered;
    if (!facts.error.empty()) {
        result.verdict = Verdict::error;
        result.explanation = "could not get as far as STARTTLS: " + facts.error;
        return result;
    }
    if (!facts.offered) {
        result.verdict = Verdict::fail;
        result.explanation =
            "STARTTLS is not offered: mail to this server crosses the network in the clear "
            "(RFC 3207); versions, cipher and certificate could not be checked";
        return result;
    }
    if (facts.starttls_reply) {
        result.details["starttls_reply"] = facts.starttls_reply->summary();
        if (facts.starttls_reply->code != 220) {
            result.verdict = Verdict::fail;
            result.explanation =
                "STARTTLS is advertised but refused: " + facts.starttls_reply->summary();
            return result;
        }
    }
    result.details["handshake"] = facts.handshake_ok;
    if (!facts.handshake_ok) {
        result.verdict = Verdict::fail;
        result.explanation =
            "STARTTLS is answered 220 but the TLS handshake fails: " + facts.handshake_error;
        return result;
    }
    result.details["version"] = facts.version;
    result.details["cipher"] = facts.cipher;
    result.verdict = Verdict::pass;
    result.explanation =
        "STARTTLS offered and the handshake works (" + facts.version + ", " + facts.cipher + ")";
    return result;
}

CheckResult judge_versions(const std::vector<VersionAttempt>& attempts) {
    CheckResult result;
    result.name = "tls.versions";
    std::vector<std::string> accepted, refused, undecided, legacy_accepted;
    bool modern_accepted = false, modern_undecided = false;
    nlohmann::json per_version = nlohmann::json::object();
    for (const auto& attempt : attempts) {
        const bool legacy = attempt.version == "TLSv1.0" || attempt.version == "TLSv1.1";
        const char* word = attempt.outcome == VersionOutcome::accepted  ? "accepted"
                           : attempt.outcome == VersionOutcome::refused ? "refused"
                                                                        : "undecided";
        per_version[attempt.version] = {{"outcome", word}, {"detail", attempt.detail}};
        result.add_evidence(attempt.version + ": " + word +
                            (attempt.detail.empty() ? "" : " (" + attempt.detail + ")"));
        switch (attempt.outcome) {
            case VersionOutcome::accepted:
                accepted.push_back(attempt.version);
                if (legacy) legacy_accepted.push_back(attempt.version);
                if (!legacy) modern_accepted = true;
                break;
            case VersionOutcome::refused:
                refused.push_back(attempt.version);
                break;
            case VersionOutcome::undecided:
                undecided.push_back(attempt.version);
                if (!legacy) modern_undecided = true;
                break;
        }
    }
    result.details["versions"] = per_version;
    result.details["accepted"] = accepted;
    const std::string accepted_text = accepted.empty() ? "none" : join(accepted, ", ");
    if (!modern_accepted && !modern_undecided) {
        result.verdict = Verdict::fail;
        result.explanation = "neither TLS 1.2 nor TLS 1.3 is accepted (accepted: " + accepted_text +
                             "); modern senders cannot encrypt";
        return result;
    }
    if (!undecided.empty()) {
        result.verdict = Verdict::error;
        result.explanation = "could not try " + join(undecided, ", ") +
                             " (see evidence); accepted: " + accepted_text;
        return result;
    }
    if (!legacy_accepted.empty()) {
        result.verdict = Verdict::warn;
        result.explanation = join(legacy_accepted, " and ") +
                             " accepted: deprecated by RFC 8996 (accepted: " + accepted_text + ")";
        return result;
    }
    result.verdict = Verdict::pass;
    const bool has13 = std::find(accepted.begin(), accepted.end(), "TLSv1.3") != accepted.end();
    result.explanation = "accepted: " + accepted_text + "; TLS 1.0 and 1.1 refused" +
                         (has13 ? "" : " (TLS 1.3 not offered)");
    return result;
}

CheckResult judge_cipher(const CipherFacts& facts) {
    CheckResult result;
    result.name = "tls.cipher";
    result.details = {{"version", facts.version},
                      {"cipher", facts.name},
                      {"forward_secrecy", facts.forward_secrecy},
                      {"aead", facts.aead},
                      {"bits", facts.bits}};
    result.add_evidence("negotiated " + facts.version + " " + facts.name);
    const std::string name = upper(facts.name);
    // Broken outright: RC4 (RFC 7465), single/triple DES (Sweet32), export and null suites.
    const bool broken = facts.bits < 128 || contains(name, "RC4") || contains(name, "DES") ||
                        contains(name, "NULL") || contains(name, "EXP") || contains(name, "MD5");
    if (broken) {
        result.verdict = Verdict::fail;
        result.explanation = facts.name + " is broken (" + std::to_string(facts.bits) +
                             "-bit, RC4/DES/NULL/export class)";
        return result;
    }
    std::vector<std::string> weak;
    if (!facts.forward_secrecy) weak.push_back("no forward secrecy (static RSA key exchange)");
    if (!facts.aead) weak.push_back("CBC mode, not AEAD");
    if (!weak.empty()) {
        result.verdict = Verdict::warn;
        result.explanation = facts.name + " negotiated: " + join(weak, ", ");
        return result;
    }
    result.verdict = Verdict::pass;
    result.explanation =
        facts.name + " (" + facts.version + "): forward secrecy and authenticated encryption";
    return result;
}

CheckResult judge_certificate(const CertificateCheckFacts& facts) {
    CheckResult result;
    result.name = "tls.certificate";
    result.verdict = Verdict::pass;
    if (facts.chain.empty()) {
        result.verdict = Verdict::fail;
        result.explanation = "the server presented no certificate";
        return result;
    }
    const CertificateFacts& leaf = facts.chain.front();
    for (std::size_t i = 0; i < facts.chain.size(); ++i)
        result.add_evidence(certificate_line(i, facts.chain[i]));
    nlohmann::json chain = nlohmann::json::array();
    for (const auto& c : facts.chain)
        chain.push_back(certificate_json(c));
    // Floor division, so a certificate that lapsed an hour ago has -1 days left, not 0.
    const std::int64_t left = leaf.not_after - facts.now;
    const std::int64_t days_left =
        left >= 0 ? left / seconds_per_day : -((-left + seconds_per_day - 1) / seconds_per_day);
    result.details = {{"subject", leaf.subject},
                      {"issuer", leaf.issuer},
                      {"dns_names", leaf.dns_names},
                      {"ip_addresses", leaf.ip_addresses},
                      {"not_before", rfc3339_utc(leaf.not_before)},
                      {"not_after", rfc3339_utc(leaf.not_after)},
                      {"days_left", days_left},
                      {"self_signed", leaf.self_signed},
                      {"chain_verified", facts.verification.verified},
                      {"trust_anchors", facts.verification.trust_anchors},
                      {"chain", chain}};
    if (!facts.verification.verified) result.details["chain_error"] = facts.verification.error;

    std::vector<std::string> failures, warnings, notes;
    if (leaf.not_after < facts.now) {
        failures.push_back("expired on " + rfc3339_utc(leaf.not_after));
    } else if (leaf.not_before > facts.now) {
        failures.push_back("not valid before " + rfc3339_utc(leaf.not_before));
    } else if (days_left < certificate_expiry_warning_days) {
        warnings.push_back("expires in " + std::to_string(days_left) + " days (" +
                           rfc3339_utc(leaf.not_after) + ")");
    }
    if (leaf.self_signed) {
        failures.push_back("self-signed");
    } else if (!facts.verification.verified) {
        failures.push_back("chain not trusted by " + facts.verification.trust_anchors + ": " +
                           facts.verification.error);
    }
    if (facts.host_is_name) {
        result.details["name_checked"] = facts.host;
        result.details["name_matches"] = facts.name_matches;
        if (!facts.name_matches) {
            const std::string names =
                leaf.dns_names.empty() ? leaf.subject : join(leaf.dns_names, ", ");
            failures.push_back("does not name " + facts.host + " (names: " + names + ")");
        }
    } else {
        notes.push_back("name not checked: the target was given as an address");
    }
    // RFC 7672 1.3: opportunistic senders do not verify, so such a server still gets mail;
    // verifying senders (MTA-STS, DANE-TA, "verify" policies) do not.
    if (!failures.empty()) {
        result.verdict = Verdict::fail;
        result.explanation = "certificate " + join(failures, "; ") +
                             " (opportunistic senders deliver anyway; verifying ones will not)";
    } else if (!warnings.empty()) {
        result.verdict = Verdict::warn;
        result.explanation = "certificate " + join(warnings, "; ");
    } else {
        result.explanation = "certificate valid for " + std::to_string(days_left) +
                             " more days, chain trusted by " + facts.verification.trust_anchors;
        if (facts.host_is_name) result.explanation += ", names " + facts.host;
    }
    if (!notes.empty()) result.explanation += " (" + join(notes, "; ") + ")";
    return result;
}

CheckResult judge_auth_before_tls(const AuthExposureFacts& facts) {
    CheckResult result;
    result.name = "tls.auth-before-tls";
    result.add_evidence(facts.evidence);
    result.details["plaintext_auth"] = facts.plaintext.auth_mechanisms;
    result.details["plaintext_auth_advertised"] = facts.plaintext.auth;
    if (facts.after_tls) {
        result.details["tls_auth"] = facts.after_tls->auth_mechanisms;
        result.details["tls_auth_advertised"] = facts.after_tls->auth;
    }
    if (facts.plaintext.auth) {
        const auto& mechanisms = facts.plaintext.auth_mechanisms;
        const bool cleartext =
            mechanisms.empty() ||
            std::any_of(mechanisms.begin(), mechanisms.end(), cleartext_mechanism);
        result.verdict = cleartext ? Verdict::fail : Verdict::warn;
        result.explanation =
            "AUTH " + join(mechanisms, " ") + " is offered before STARTTLS" +
            (cleartext ? ": passwords can be sent in the clear (RFC 4954 4)"
                       : ": no cleartext mechanism, but the exchange is open to downgrade");
        return result;
    }
    result.verdict = Verdict::pass;
    if (facts.after_tls && facts.after_tls->auth) {
        result.explanation =
            "AUTH " + join(facts.after_tls->auth_mechanisms, " ") + " offered only after STARTTLS";
    } else {
        result.explanation = "no AUTH offered (before or after STARTTLS)";
        if (!facts.after_tls) result.explanation = "no AUTH offered in plaintext";
    }
    return result;
}

CheckResult judge_dane(const DaneFacts& facts) {
    CheckResult result;
    result.name = "dane";
    result.details = {{"owner", facts.owner}, {"dnssec_validated", facts.authenticated}};
    const std::string dnssec =
        facts.authenticated ? "DNSSEC-validated (AD bit set)" : "not DNSSEC-validated (no AD bit)";
    if (facts.lookup == TlsaLookup::failed) {
        result.verdict = Verdict::error;
        result.explanation = "TLSA lookup of " + facts.owner + " failed: " + facts.lookup_error;
        return result;
    }
    if (facts.lookup == TlsaLookup::none) {
        result.verdict = Verdict::warn;
        result.explanation = "DANE not deployed: no TLSA records at " + facts.owner;
        result.add_evidence("TLSA " + facts.owner + ": none");
        return result;
    }
    for (const auto& record : facts.records)
        result.add_evidence(facts.owner + ". TLSA " + tlsa_text(record));
    if (!facts.chain_error.empty()) {
        result.verdict = Verdict::error;
        result.explanation =
            std::to_string(facts.records.size()) +
            " TLSA record(s), but the certificate chain could not be fetched: " + facts.chain_error;
        return result;
    }
    for (std::size_t i = 0; i < facts.chain.size(); ++i)
        result.add_evidence(certificate_line(i, facts.chain[i]));
    nlohmann::json findings = nlohmann::json::array();
    std::size_t usable = 0;
    std::optional<TlsaFinding> match;
    for (const auto& record : facts.records) {
        TlsaFinding finding = match_tlsa(record, facts.chain);
        findings.push_back({{"record", tlsa_text(record)},
                            {"usable", finding.usable},
                            {"matched", finding.matched_at.has_value()},
                            {"note", finding.note}});
        result.add_evidence("  " + tlsa_text(record).substr(0, 6) + ": " + finding.note);
        if (finding.usable) ++usable;
        if (finding.matched_at && !match) match = finding;
    }
    result.details["records"] = findings;
    result.details["usable_records"] = usable;
    if (usable == 0) {
        result.verdict = Verdict::fail;
        result.explanation = "no usable TLSA record at " + facts.owner +
                             " (only PKIX or unknown types, RFC 7672 3.1.3); " + dnssec;
        return result;
    }
    if (!match) {
        result.verdict = Verdict::fail;
        result.explanation = "no TLSA record at " + facts.owner +
                             " matches the presented certificate chain; " + dnssec +
                             (facts.authenticated ? ": DANE senders will defer mail" : "");
        return result;
    }
    const std::string matched =
        "TLSA " + tlsa_text(match->record).substr(0, 5) + " matches (" + match->note + ")";
    if (!facts.authenticated) {
        // RFC 7672 2.2: records from an unvalidated answer are ignored by DANE senders.
        result.verdict = Verdict::warn;
        result.explanation =
            matched + ", but the answer was " + dnssec + ": senders will not use DANE";
        return result;
    }
    result.verdict = Verdict::pass;
    result.explanation = matched + "; " + dnssec;
    return result;
}

}  // namespace relaylab::probe
