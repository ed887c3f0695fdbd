#include "probes/auth/dkim_signature.hpp"

#include <charconv>

#include "probes/auth/dkim_base64.hpp"

namespace relaylab::auth {
namespace {

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::size_t max_digits) {
    if (text.empty() || text.size() > max_digits) return std::nullopt;
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

bool is_domain_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

bool valid_domain(std::string_view d) {
    if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.') return false;
    for (char c : d)
        if (!is_domain_char(c)) return false;
    return d.find("..") == std::string_view::npos;
}

// h= is a colon-separated list of field names with optional FWS (3.5).
std::optional<std::vector<std::string>> parse_header_list(std::string_view value) {
    std::vector<std::string> names;
    std::size_t pos = 0;
    while (true) {
        std::size_t colon = value.find(':', pos);
        std::string_view item = trim_wsp(value.substr(
            pos, colon == std::string_view::npos ? std::string_view::npos : colon - pos));
        // An empty item ("h=from::to", "h=") selects nothing; dkimpy and the ARC suite accept
        // it, so it is skipped rather than failing the whole signature.
        if (item.empty()) {
            if (colon == std::string_view::npos) break;
            pos = colon + 1;
            continue;
        }
        for (char c : item)
            if (c < 0x21 || c > 0x7e) return std::nullopt;
        names.emplace_back(item);
        if (names.size() > max_signed_headers) return std::nullopt;
        if (colon == std::string_view::npos) break;
        pos = colon + 1;
    }
    return names;
}

}  // namespace

std::string_view algorithm_name(SigAlgorithm algorithm) {
    return algorithm == SigAlgorithm::ed25519_sha256 ? "ed25519-sha256" : "rsa-sha256";
}

KeyType algorithm_key_type(SigAlgorithm algorithm) {
    return algorithm == SigAlgorithm::ed25519_sha256 ? KeyType::ed25519 : KeyType::rsa;
}

std::string key_record_name(const Signature& signature) {
    return signature.selector + "._domainkey." + signature.domain;
}

SignatureParseResult parse_signature(const HeaderField& field, SignatureKind kind) {
    SignatureParseResult result;
    auto fail = [&](std::string reason) {
        result.error = std::move(reason);
        return result;
    };
    std::string_view value = field.value();
    TagListResult parsed = parse_tag_list(value);
    if (!parsed.ok()) return fail("tag list syntax: " + parsed.error);
    const TagList& tags = parsed.list;

    Signature sig;
    sig.kind = kind;
    sig.raw_field = field.raw;

    // Required tags: RFC 6376 3.5 (v a b bh d h s), RFC 8617 4.1.2 (AMS: i a b bh d h s),
    // 4.1.3 (AS: i a b cv d s; h= is forbidden).
    std::vector<std::string_view> required;
    if (kind == SignatureKind::dkim) required = {"v", "a", "b", "bh", "d", "h", "s"};
    if (kind == SignatureKind::arc_message) required = {"i", "a", "b", "bh", "d", "h", "s"};
    if (kind == SignatureKind::arc_seal) required = {"i", "a", "b", "cv", "d", "s"};
    for (std::string_view name : required)
        if (tags.find(name) == nullptr)
            return fail("missing required tag " + std::string(name) + "=");

    if (kind == SignatureKind::dkim && tags.find("v")->value != "1")
        return fail("unsupported version v=" + tags.find("v")->value +
                    " (RFC 6376 3.5 requires 1)");

    const std::string& a = tags.find("a")->value;
    if (a == "rsa-sha256") {
        sig.algorithm = SigAlgorithm::rsa_sha256;
    } else if (a == "ed25519-sha256" && kind == SignatureKind::dkim) {
        sig.algorithm = SigAlgorithm::ed25519_sha256;
    } else if (a == "rsa-sha1") {
        return fail("algorithm rsa-sha1 is no longer acceptable (RFC 8301 3.1)");
    } else {
        return fail("unknown algorithm a=" + a);
    }

    const Tag* b = tags.find("b");
    auto signature = base64_decode(b->value);
    if (!signature || signature->empty()) return fail("b= is not valid base64");
    sig.signature = std::move(*signature);
    sig.b_base64 = strip_fws(b->value);
    // 3.7: the value of b= is deleted, leaving "b=" (and what follows the value) in place.
    std::size_t b_value_begin = field.colon + 1 + b->equals + 1;
    std::size_t b_value_end = field.colon + 1 + b->value_end;
    sig.raw_field_without_b = field.raw.substr(0, b_value_begin) + field.raw.substr(b_value_end);

    if (kind != SignatureKind::arc_seal) {
        auto body_hash = base64_decode(tags.find("bh")->value);
        if (!body_hash || body_hash->size() != 32)
            return fail("bh= is not a valid base64 SHA-256 digest");
        sig.body_hash = std::move(*body_hash);
    }

    sig.domain = to_lower(strip_fws(tags.find("d")->value));
    if (!valid_domain(sig.domain)) return fail("d= is not a domain name");
    sig.selector = strip_fws(tags.find("s")->value);
    if (!valid_domain(sig.selector)) return fail("s= is not a valid selector");

    if (kind == SignatureKind::arc_seal) {
        if (tags.find("h") != nullptr) return fail("ARC-Seal must not have h= (RFC 8617 4.1.3)");
    } else {
        auto names = parse_header_list(tags.find("h")->value);
        if (!names) return fail("h= is not a colon-separated list of header field names");
        sig.signed_headers = std::move(*names);
        if (kind == SignatureKind::arc_message) {
            for (const std::string& name : sig.signed_headers)
                if (iequals(name, "arc-seal"))
                    return fail("ARC-Message-Signature h= includes ARC-Seal (RFC 8617 4.1.2)");
        }
    }
    if (kind == SignatureKind::dkim) {
        bool has_from = false;
        for (const std::string& name : sig.signed_headers)
            has_from |= iequals(name, "from");
        if (!has_from) return fail("h= does not include From (RFC 6376 5.4)");
    }

    if (const Tag* c = tags.find("c"); c != nullptr && kind != SignatureKind::arc_seal) {
        std::string_view text = c->value;
        std::size_t slash = text.find('/');
        auto header = parse_canon(text.substr(0, slash));
        auto body = slash == std::string_view::npos ? std::optional<Canon>(Canon::simple)
                                                    : parse_canon(text.substr(slash + 1));
        if (!header || !body) return fail("unknown canonicalization c=" + c->value);
        sig.header_canon = *header;
        sig.body_canon = *body;
    }
    // ARC uses relaxed canonicalisation (RFC 8617 4.1.3 for the seal); an AMS without c= is
    // read as relaxed/relaxed as dkimpy and the ARC suite do, not as DKIM's simple/simple.
    if (kind == SignatureKind::arc_seal ||
        (kind == SignatureKind::arc_message && tags.find("c") == nullptr))
        sig.header_canon = sig.body_canon = Canon::relaxed;

    if (kind == SignatureKind::dkim) {
        if (const Tag* i = tags.find("i")) {
            sig.identity = i->value;
            std::size_t at = sig.identity.rfind('@');
            if (at == std::string::npos) return fail("i= has no '@'");
            std::string id_domain = to_lower(sig.identity.substr(at + 1));
            // 3.5: the i= domain is d= or a subdomain of it.
            bool aligned = id_domain == sig.domain || (id_domain.size() > sig.domain.size() &&
                                                       id_domain.ends_with("." + sig.domain));
            if (!aligned) return fail("i= domain is not d= or a subdomain of it (RFC 6376 3.5)");
        } else {
            sig.identity = "@" + sig.domain;
        }
    } else {
        auto instance = parse_decimal(tags.find("i")->value, 2);
        if (!instance || *instance < 1 || *instance > max_arc_instance)
            return fail("i= is not an ARC instance 1..50 (RFC 8617 4.2.1)");
        sig.instance = static_cast<std::uint32_t>(*instance);
    }

    if (kind == SignatureKind::arc_seal) {
        sig.cv = tags.find("cv")->value;
        if (sig.cv != "none" && sig.cv != "pass" && sig.cv != "fail")
            return fail("cv= is not none, pass or fail (RFC 8617 4.1.3)");
    }

    if (const Tag* l = tags.find("l"); l != nullptr && kind != SignatureKind::arc_seal) {
        sig.body_length = parse_decimal(l->value, 76);
        if (!sig.body_length) return fail("l= is not a decimal number");
    }
    if (const Tag* q = tags.find("q"); q != nullptr && kind == SignatureKind::dkim) {
        // 3.5: a colon-separated list; dns/txt is the only method defined.
        if (q->value.find("dns/txt") == std::string::npos) return fail("q= does not offer dns/txt");
    }
    if (const Tag* t = tags.find("t")) {
        sig.timestamp = parse_decimal(t->value, 12);
        if (!sig.timestamp) return fail("t= is not a decimal timestamp");
    }
    if (const Tag* x = tags.find("x"); x != nullptr && kind == SignatureKind::dkim) {
        sig.expiration = parse_decimal(x->value, 12);
        if (!sig.expiration) return fail("x= is not a decimal timestamp");
        // 3.5: x= MUST be greater than t=.
        if (sig.timestamp && *sig.expiration <= *sig.timestamp)
            return fail("x= is not later than t= (RFC 6376 3.5)");
    }
    result.signature = std::move(sig);
    return result;
}

}  // namespace relaylab::auth
