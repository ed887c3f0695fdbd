#include "probes/auth/dkim_crypto.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "probes/auth/dkim_base64.hpp"
#include "probes/auth/dkim_key_cache.hpp"

namespace relaylab::auth {
namespace {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;
PkeyPtr wrap(EVP_PKEY* key) {
    return PkeyPtr(key, EVP_PKEY_free);
}

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// EVP_sha256() is a legacy handle: OpenSSL 3 fetches the provider's implementation again on
// every use. Fetched once (thread-safe static initialisation), kept for the process.
const EVP_MD* fetched_sha256() {
    static const EVP_MD* md = [] {
        const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        return fetched != nullptr ? fetched : EVP_sha256();  // slower, but works
    }();
    return md;
}

// A verification context initialised once per key (RSA with SHA-256): copying it costs a few
// allocations, where EVP_DigestVerifyInit fetches the signature algorithm and sets up the
// provider's context on every call. Shared read-only between threads; each verification
// works on its own copy.
std::shared_ptr<EVP_MD_CTX> rsa_verify_template(EVP_PKEY* key) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || fetched_sha256() == nullptr) return nullptr;
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, fetched_sha256(), nullptr, key) != 1)
        return nullptr;
    return std::shared_ptr<EVP_MD_CTX>(ctx.release(), EVP_MD_CTX_free);
}

const unsigned char* as_uchar(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// Ed25519 signs the SHA-256 of the data (RFC 8463 3); RSA hashes inside the signature.
std::string signing_input(KeyType type, std::string_view data) {
    return type == KeyType::ed25519 ? sha256(data) : std::string(data);
}

}  // namespace

std::string_view key_type_name(KeyType type) {
    return type == KeyType::ed25519 ? "ed25519" : "rsa";
}

std::string sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, fetched_sha256(), nullptr);
    return std::string(reinterpret_cast<char*>(digest), length);
}

std::optional<PublicKey> PublicKey::from_rsa_der(std::string_view der) {
    if (auto cached = cached_public_key(KeyType::rsa, der)) return cached;
    const unsigned char* p = as_uchar(der);
    EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    if (raw == nullptr || p != as_uchar(der) + der.size()) {
        if (raw != nullptr) EVP_PKEY_free(raw);
        p = as_uchar(der);
        raw = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
        if (raw != nullptr && p != as_uchar(der) + der.size()) {
            EVP_PKEY_free(raw);
            raw = nullptr;
        }
    }
    if (raw == nullptr) return std::nullopt;
    PkeyPtr key = wrap(raw);
    if (EVP_PKEY_get_base_id(raw) != EVP_PKEY_RSA) return std::nullopt;
    PublicKey result;
    result.key_ = key;
    result.type_ = KeyType::rsa;
    result.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(raw));
    result.verify_template_ = rsa_verify_template(raw);
    cache_public_key(KeyType::rsa, der, result);
    return result;
}

std::optional<PublicKey> PublicKey::from_ed25519_raw(std::string_view raw) {
    if (raw.size() != 32) return std::nullopt;
    if (auto cached = cached_public_key(KeyType::ed25519, raw)) return cached;
    EVP_PKEY* key =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, as_uchar(raw), raw.size());
    if (key == nullptr) return std::nullopt;
    PublicKey result;
    result.key_ = wrap(key);
    result.type_ = KeyType::ed25519;
    result.bits_ = 256;
    cache_public_key(KeyType::ed25519, raw, result);
    return result;
}

bool PublicKey::verify(std::string_view data, std::string_view signature) const {
    if (!key_) return false;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) return false;
    if (verify_template_) {
        if (EVP_MD_CTX_copy_ex(ctx.get(), verify_template_.get()) != 1) return false;
        return EVP_DigestVerify(ctx.get(), as_uchar(signature), signature.size(), as_uchar(data),
                                data.size()) == 1;
    }
    const EVP_MD* md = type_ == KeyType::rsa ? EVP_sha256() : nullptr;
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1) return false;
    std::string input = signing_input(type_, data);
    return EVP_DigestVerify(ctx.get(), as_uchar(signature), signature.size(), as_uchar(input),
                            input.size()) == 1;
}

std::optional<PrivateKey> PrivateKey::from_ed25519_seed(std::string_view seed) {
    if (seed.size() != 32) return std::nullopt;
    EVP_PKEY* key =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, as_uchar(seed), seed.size());
    if (key == nullptr) return std::nullopt;
    PrivateKey result;
    result.key_ = wrap(key);
    result.type_ = KeyType::ed25519;
    result.bits_ = 256;
    return result;
}

std::optional<PrivateKey> PrivateKey::from_text(std::string_view text, std::string& error) {
    if (text.find("-----BEGIN") != std::string_view::npos) {
        BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
        if (bio == nullptr) {
            error = "out of memory";
            return std::nullopt;
        }
        EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        if (raw == nullptr) {
            error = "not a readable PEM private key (an encrypted key needs decrypting first)";
            return std::nullopt;
        }
        PrivateKey result;
        result.key_ = wrap(raw);
        int id = EVP_PKEY_get_base_id(raw);
        if (id == EVP_PKEY_RSA) {
            result.type_ = KeyType::rsa;
            result.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(raw));
        } else if (id == EVP_PKEY_ED25519) {
            result.type_ = KeyType::ed25519;
            result.bits_ = 256;
        } else {
            error = "key type is neither RSA nor Ed25519 (DKIM knows only these, RFC 8463)";
            return std::nullopt;
        }
        return result;
    }
    auto seed = base64_decode(text);
    if (seed && seed->size() == 32) return from_ed25519_seed(*seed);
    error = "neither PEM nor a base64 Ed25519 seed of 32 octets";
    return std::nullopt;
}

std::optional<PrivateKey> PrivateKey::generate(KeyType type, unsigned rsa_bits,
                                               std::string& error) {
    EVP_PKEY* raw = type == KeyType::ed25519
                        ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
    if (raw == nullptr) {
        error = "key generation failed";
        return std::nullopt;
    }
    PrivateKey result;
    result.key_ = wrap(raw);
    result.type_ = type;
    result.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(raw));
    return result;
}

std::string PrivateKey::sign(std::string_view data) const {
    if (!key_) return {};
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) return {};
    const EVP_MD* md = type_ == KeyType::rsa ? EVP_sha256() : nullptr;
    if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1) return {};
    std::string input = signing_input(type_, data);
    size_t length = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &length, as_uchar(input), input.size()) != 1) return {};
    std::string signature(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       as_uchar(input), input.size()) != 1)
        return {};
    signature.resize(length);
    return signature;
}

std::string PrivateKey::to_pem() const {
    if (!key_) return {};
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr) return {};
    std::string out;
    if (PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
        char* data = nullptr;
        long length = BIO_get_mem_data(bio, &data);
        out.assign(data, static_cast<std::size_t>(length));
    }
    BIO_free(bio);
    return out;
}

std::string PrivateKey::public_key_base64() const {
    if (!key_) return {};
    if (type_ == KeyType::ed25519) {
        unsigned char raw[32];
        size_t length = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(key_.get(), raw, &length) != 1) return {};
        return base64_encode(std::string_view(reinterpret_cast<char*>(raw), length));
    }
    unsigned char* der = nullptr;
    int length = i2d_PUBKEY(key_.get(), &der);
    if (length <= 0) return {};
    std::string out = base64_encode(
        std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(length)));
    OPENSSL_free(der);
    return out;
}

std::string PrivateKey::ed25519_seed_base64() const {
    if (!key_ || type_ != KeyType::ed25519) return {};
    unsigned char raw[32];
    size_t length = sizeof raw;
    if (EVP_PKEY_get_raw_private_key(key_.get(), raw, &length) != 1) return {};
    std::string out = base64_encode(std::string_view(reinterpret_cast<char*>(raw), length));
    OPENSSL_cleanse(raw, sizeof raw);
    return out;
}

}  // namespace relaylab::auth
