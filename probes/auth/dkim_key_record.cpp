#include "probes/auth/dkim_key_record.hpp"

#include <algorithm>

#include "probes/auth/dkim_base64.hpp"
#include "probes/auth/dkim_tags.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {
namespace {

// Colon-separated lists (h=, s=, t=), items trimmed.
std::vector<std::string> split_colon_list(std::string_view value) {
    std::vector<std::string> items;
    std::size_t pos = 0;
    while (pos <= value.size()) {
        std::size_t colon = value.find(':', pos);
        std::string_view item = trim_wsp(value.substr(
            pos, colon == std::string_view::npos ? std::string_view::npos : colon - pos));
        if (!item.empty()) items.emplace_back(item);
        if (colon == std::string_view::npos) break;
        pos = colon + 1;
    }
    return items;
}

}  // namespace

KeyRecordResult parse_key_record(std::string_view txt) {
    KeyRecordResult result;
    auto fail = [&](std::string reason) {
        result.error = std::move(reason);
        return result;
    };
    if (txt.size() > max_key_record_bytes) return fail("key record is larger than 4096 bytes");
    TagListResult parsed = parse_tag_list(txt);
    if (!parsed.ok()) return fail("key record syntax: " + parsed.error);
    const TagList& tags = parsed.list;
    KeyRecord record;

    // 3.6.1: v= is optional, but if present it MUST be the first tag and equal "DKIM1".
    if (const Tag* v = tags.find("v")) {
        if (&tags.tags.front() != v) return fail("key record v= is not the first tag");
        if (v->value != "DKIM1") return fail("key record version v=" + v->value + " is not DKIM1");
    }
    if (const Tag* k = tags.find("k")) {
        if (k->value == "rsa") {
            record.type = KeyType::rsa;
        } else if (k->value == "ed25519") {
            record.type = KeyType::ed25519;
        } else {
            return fail("unknown key type k=" + k->value);
        }
    }
    if (const Tag* h = tags.find("h")) record.hashes = split_colon_list(h->value);
    if (const Tag* s = tags.find("s")) record.services = split_colon_list(s->value);
    if (const Tag* t = tags.find("t")) {
        for (const std::string& flag : split_colon_list(t->value)) {
            if (flag == "y") record.testing = true;
            if (flag == "s") record.strict_identity = true;
        }
    }
    const Tag* p = tags.find("p");
    if (p == nullptr) return fail("key record has no p= (RFC 6376 3.6.1)");
    if (std::all_of(p->value.begin(), p->value.end(),
                    [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; })) {
        record.revoked = true;
        result.record = std::move(record);
        return result;
    }
    auto key_bytes = base64_decode(p->value);
    if (!key_bytes) return fail("key record p= is not valid base64");
    record.key = record.type == KeyType::ed25519 ? PublicKey::from_ed25519_raw(*key_bytes)
                                                 : PublicKey::from_rsa_der(*key_bytes);
    if (!record.key)
        return fail("key record p= is not a valid " + std::string(key_type_name(record.type)) +
                    " public key");
    result.record = std::move(record);
    return result;
}

}  // namespace relaylab::auth
