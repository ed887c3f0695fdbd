// Decoded public keys by their DER (or raw Ed25519) octets, shared across messages and
// threads. Why: OpenSSL 3 decodes a SubjectPublicKeyInfo through its provider decoder chain,
// which costs several times the RSA-2048 verification itself (about 100 us against 20 us);
// a fake MX judging mail from a few domains sees the same few key records over and over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "probes/auth/dkim_crypto.hpp"
#include "probes/auth/dkim_key_record.hpp"

namespace relaylab::auth {

// Bounded: a sender can publish many selectors, and each entry holds an EVP_PKEY (a few KB).
inline constexpr std::size_t max_cached_public_keys = 1024;

struct PublicKeyCacheStats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::size_t size = 0;
};

// Thread-safe. Least recently used entries go first once max_cached_public_keys are held.
std::optional<PublicKey> cached_public_key(KeyType type, std::string_view key_octets);
void cache_public_key(KeyType type, std::string_view key_octets, const PublicKey& key);
PublicKeyCacheStats public_key_cache_stats();
void clear_public_key_cache();  // for tests: both caches

// Parsed key records by their TXT text: a message from a known sender then skips the tag-list
// parse and the base64 decoding of p= too (together about a sixth of a verify after the key
// itself was cached). Only valid records are kept; the same bound applies.
inline constexpr std::size_t max_cached_key_records = 1024;
std::optional<KeyRecord> cached_key_record(std::string_view txt);
void cache_key_record(std::string_view txt, const KeyRecord& record);
PublicKeyCacheStats key_record_cache_stats();

}  // namespace relaylab::auth
