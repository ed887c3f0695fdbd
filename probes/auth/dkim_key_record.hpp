// DKIM key records in DNS (RFC 6376 3.6.1, RFC 8463 4): tags, flags and the public key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/dkim_crypto.hpp"

namespace relaylab::auth {

// A p= of an 8192-bit RSA key is about 1.4 KB of base64; anything far beyond is junk.
inline constexpr std::size_t max_key_record_bytes = 4096;

struct KeyRecord {
    KeyType type = KeyType::rsa;        // k=, default rsa
    std::vector<std::string> hashes;    // h=, empty: any
    std::vector<std::string> services;  // s=, empty: "*"
    bool testing = false;               // t=y: the domain is testing DKIM (3.6.1)
    bool strict_identity = false;       // t=s: i= must be exactly d=, no subdomain
    bool revoked = false;               // p= empty (3.6.1: "the key has been revoked")
    std::optional<PublicKey> key;       // set unless revoked
};

struct KeyRecordResult {
    std::optional<KeyRecord> record;
    std::string error;  // a permerror reason
};

KeyRecordResult parse_key_record(std::string_view txt);

}  // namespace relaylab::auth
