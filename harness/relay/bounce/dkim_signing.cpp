#include "harness/relay/bounce/dkim_signing.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

#include "harness/smtp/address.hpp"
#include "probes/auth/dkim_sign.hpp"
#include "probes/auth/dmarc_from.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::relay {
namespace {

// Lower case without the final dot: "Example.ORG." and "example.org" are one domain.
std::string domain_key(std::string_view domain) {
    std::string out = auth::to_lower(auth::trim_wsp(domain));
    while (!out.empty() && out.back() == '.')
        out.pop_back();
    return out;
}

[[noreturn]] void fail(DkimKeyProblem problem, const DkimSigning& entry,
                       const std::string& detail) {
    throw DkimKeyError(problem, "DKIM key " + entry.private_key.string() + " (domain " +
                                    entry.domain + ", selector " + entry.selector + "): " + detail);
}

std::string read_key_file(const DkimSigning& entry) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(entry.private_key, ec);
    if (ec) fail(DkimKeyProblem::unreadable, entry, "cannot read it: " + ec.message());
    if (size > max_dkim_key_file_bytes)
        fail(DkimKeyProblem::too_large, entry,
             std::to_string(size) + " bytes is too large for a key (at most " +
                 std::to_string(max_dkim_key_file_bytes) + ")");
    std::ifstream in(entry.private_key, std::ios::binary);
    if (!in) fail(DkimKeyProblem::unreadable, entry, "cannot open it");
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) fail(DkimKeyProblem::unreadable, entry, "read error");
    return text.str();
}

// The one RFC5322.From domain of the message, as DMARC takes it (RFC 7489 6.6.1), or nullopt.
std::optional<std::string> from_domain(std::string_view message) {
    auth::MessageParseResult parsed = auth::parse_message(message);
    if (!parsed.message) return std::nullopt;
    std::optional<std::string> domain;
    std::size_t from_fields = 0;
    for (const auth::HeaderField& field : parsed.message->headers) {
        if (!auth::iequals(field.name(), "From")) continue;
        if (++from_fields > 1) return std::nullopt;  // RFC 5322 3.6: exactly one From
        std::vector<std::string> domains = auth::from_header_domains(auth::unfold(field.value()));
        // Several authors: sign for the first; the others' domains cannot all be d=.
        if (!domains.empty()) domain = domains.front();
    }
    return domain;
}

}  // namespace

std::string_view describe(DkimKeyProblem problem) {
    switch (problem) {
        case DkimKeyProblem::unreadable:
            return "the key file cannot be read";
        case DkimKeyProblem::too_large:
            return "the key file is too large to be a key";
        case DkimKeyProblem::not_a_key:
            return "not a PEM RSA or Ed25519 private key";
        case DkimKeyProblem::key_too_small:
            return "RSA key under 1024 bits (RFC 8301 3.2)";
        case DkimKeyProblem::bad_domain:
            return "the domain is not a valid domain name";
        case DkimKeyProblem::bad_selector:
            return "the selector is not a valid DKIM selector";
        case DkimKeyProblem::duplicate_domain:
            return "a second key for the same domain";
    }
    return "unknown DKIM key problem";
}

std::string_view describe(DkimSkip skip) {
    switch (skip) {
        case DkimSkip::none:
            return "signed";
        case DkimSkip::no_keys:
            return "no DKIM signing keys configured";
        case DkimSkip::no_from_domain:
            return "no single From: field with a domain";
        case DkimSkip::no_key:
            return "no DKIM key for the From: domain or its parents";
        case DkimSkip::sign_failed:
            return "the message cannot be signed (malformed header section)";
    }
    return "unknown";
}

DkimSigningStep::DkimSigningStep(const std::vector<DkimSigning>& keys) {
    for (const DkimSigning& entry : keys) {
        std::string domain = domain_key(entry.domain);
        if (!smtp::is_valid_domain(domain))
            fail(DkimKeyProblem::bad_domain, entry, "\"" + entry.domain + "\" is not a domain");
        if (!smtp::is_valid_domain(entry.selector))
            fail(DkimKeyProblem::bad_selector, entry,
                 "\"" + entry.selector + "\" is not a selector (letters, digits, '-' and '.')");
        if (keys_.count(domain) != 0)
            fail(DkimKeyProblem::duplicate_domain, entry,
                 "the domain already has a key in " + keys_.at(domain).file.string());
        std::string error;
        std::optional<auth::PrivateKey> key =
            auth::PrivateKey::from_text(read_key_file(entry), error);
        if (!key) fail(DkimKeyProblem::not_a_key, entry, error);
        if (key->type() == auth::KeyType::rsa && key->bits() < auth::min_rsa_bits)
            fail(DkimKeyProblem::key_too_small, entry,
                 "RSA key of " + std::to_string(key->bits()) +
                     " bits; RFC 8301 3.2 wants at least 1024");
        keys_.emplace(domain, Key{domain, entry.selector, entry.private_key, std::move(*key)});
    }
}

const DkimSigningStep::Key* DkimSigningStep::key_for(std::string_view from_domain) const {
    std::string domain = domain_key(from_domain);
    std::string_view candidate = domain;
    // The domain itself, then each parent: a.b.example.org, b.example.org, example.org, org.
    while (!candidate.empty()) {
        if (auto it = keys_.find(candidate); it != keys_.end()) return &it->second;
        auto dot = candidate.find('.');
        if (dot == std::string_view::npos) break;
        candidate.remove_prefix(dot + 1);
    }
    return nullptr;
}

std::optional<std::string> DkimSigningStep::sign(std::string_view message, DkimSkip* why) const {
    auto skip = [&](DkimSkip reason) -> std::optional<std::string> {
        if (why != nullptr) *why = reason;
        return std::nullopt;
    };
    if (keys_.empty()) return skip(DkimSkip::no_keys);
    std::optional<std::string> domain = from_domain(message);
    if (!domain) return skip(DkimSkip::no_from_domain);
    const Key* key = key_for(*domain);
    if (key == nullptr) return skip(DkimSkip::no_key);
    auth::DkimSignOptions options;
    options.domain = key->domain;
    options.selector = key->selector;
    options.header_canon = auth::Canon::relaxed;
    options.body_canon = auth::Canon::relaxed;
    auth::DkimSignResult result = auth::dkim_sign(message, key->key, options);
    if (!result.ok()) return skip(DkimSkip::sign_failed);
    if (why != nullptr) *why = DkimSkip::none;
    return std::move(result.field);
}

}  // namespace relaylab::relay
