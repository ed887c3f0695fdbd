// DKIM-Signature (RFC 6376 3.5) and its ARC relatives ARC-Message-Signature and ARC-Seal
// (RFC 8617 4.1.2, 4.1.3): tag list -> checked fields, or the reason it is unusable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/dkim_canon.hpp"
#include "probes/auth/dkim_crypto.hpp"
#include "probes/auth/dkim_tags.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {

enum class SignatureKind { dkim, arc_message, arc_seal };

enum class SigAlgorithm { rsa_sha256, ed25519_sha256 };
std::string_view algorithm_name(SigAlgorithm algorithm);
KeyType algorithm_key_type(SigAlgorithm algorithm);

// RFC 8617 4.2.1: an ARC chain has at most 50 sets.
inline constexpr std::uint32_t max_arc_instance = 50;
// h= lists beyond this are not signatures anybody sends.
inline constexpr std::size_t max_signed_headers = 256;

struct Signature {
    SignatureKind kind = SignatureKind::dkim;
    SigAlgorithm algorithm = SigAlgorithm::rsa_sha256;
    Canon header_canon = Canon::simple;
    Canon body_canon = Canon::simple;
    std::string domain;                        // d=, lower-cased
    std::string selector;                      // s=
    std::string identity;                      // i= (DKIM; default "@" + d=)
    std::uint32_t instance = 0;                // i= (ARC)
    std::string cv;                            // cv= (ARC-Seal): "none", "pass" or "fail"
    std::vector<std::string> signed_headers;   // h=
    std::string signature;                     // b=, decoded
    std::string b_base64;                      // b= as written, FWS removed
    std::string body_hash;                     // bh=, decoded
    std::optional<std::uint64_t> body_length;  // l=
    std::optional<std::uint64_t> timestamp;    // t=
    std::optional<std::uint64_t> expiration;   // x=
    // The field as received, and the field with the value of b= deleted (3.7: "the value of
    // the b= tag ... including all surrounding whitespace, is deleted").
    std::string raw_field;
    std::string raw_field_without_b;
};

struct SignatureParseResult {
    std::optional<Signature> signature;
    std::string error;  // why the field is unusable (a permerror reason)
};

SignatureParseResult parse_signature(const HeaderField& field, SignatureKind kind);

// The DNS name of the key record: "<s>._domainkey.<d>" (RFC 6376 3.6.2.1).
std::string key_record_name(const Signature& signature);

}  // namespace relaylab::auth
