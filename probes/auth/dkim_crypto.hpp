// The keys and signature primitives of DKIM and ARC: RSASSA-PKCS1-v1_5 with SHA-256
// (RFC 6376 3.3.1) and Ed25519 over the SHA-256 of the header data (RFC 8463 3). OpenSSL is
// kept out of this header.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;
struct evp_md_ctx_st;

namespace relaylab::auth {

enum class KeyType { rsa, ed25519 };

std::string_view key_type_name(KeyType type);  // "rsa", "ed25519" (the k= value)

// RFC 8301 3.2: verifiers MUST accept 1024..4096 bit RSA keys; signers MUST use >= 1024.
inline constexpr unsigned min_rsa_bits = 1024;
inline constexpr unsigned max_rsa_bits = 8192;

std::string sha256(std::string_view data);

class PublicKey {
  public:
    // p= of an RSA key: DER SubjectPublicKeyInfo (RFC 6376 3.6.1), or a bare PKCS#1
    // RSAPublicKey, which some publishers use and dkimpy accepts.
    static std::optional<PublicKey> from_rsa_der(std::string_view der);
    // p= of an Ed25519 key: the 32 raw octets (RFC 8463 4).
    static std::optional<PublicKey> from_ed25519_raw(std::string_view raw);

    KeyType type() const { return type_; }
    unsigned bits() const { return bits_; }

    // `data` is the canonicalised header data; the hash step depends on the key type.
    // Thread-safe: keys come from a process-wide cache (dkim_key_cache.hpp) and are shared.
    bool verify(std::string_view data, std::string_view signature) const;

  private:
    std::shared_ptr<evp_pkey_st> key_;
    std::shared_ptr<evp_md_ctx_st> verify_template_;  // RSA: initialised for SHA-256
    KeyType type_ = KeyType::rsa;
    unsigned bits_ = 0;
};

class PrivateKey {
  public:
    // PEM (PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE KEY" for RSA or Ed25519), or dkimpy's
    // Ed25519 key file: the base64 of the 32-octet seed. nullopt with `error` set otherwise.
    static std::optional<PrivateKey> from_text(std::string_view text, std::string& error);
    static std::optional<PrivateKey> from_ed25519_seed(std::string_view seed);
    // Blocking; callers on an io thread must use a worker.
    static std::optional<PrivateKey> generate(KeyType type, unsigned rsa_bits, std::string& error);

    KeyType type() const { return type_; }
    unsigned bits() const { return bits_; }

    std::string sign(std::string_view data) const;  // empty on failure
    std::string to_pem() const;                     // PKCS#8
    // The p= value of the matching key record (base64).
    std::string public_key_base64() const;
    // Ed25519 only: the 32-octet seed in base64, the key file format dkimpy reads.
    std::string ed25519_seed_base64() const;

  private:
    std::shared_ptr<evp_pkey_st> key_;
    KeyType type_ = KeyType::rsa;
    unsigned bits_ = 0;
};

}  // namespace relaylab::auth
